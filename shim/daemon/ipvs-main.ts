import type { Config } from '../../core/config/model.ts';
import { systemClock } from '../../core/ports/clock.ts';
import { createIpvsBackend } from '../ipvs/create-backend.ts';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import type { BoardSubscriber } from './board-subscriber.ts';
import { followBoard, type BoardCliOptions } from './board-follow.ts';
import { Faults, installProcessFaultHandlers } from './faults.ts';
import { IpvsDaemon } from './ipvs-daemon.ts';
import type { MailAlerts } from '../mail/mail-alerts.ts';
import type { IpvsStatus } from '../../core/status/shim-status.ts';
import type { Metrics } from './metrics.ts';
import { boardUrlProblem } from '../probe/board-url.ts';
import { hasShimToken, TOKEN_OPTIONS } from './shim-token.ts';

export interface IpvsCliOptions extends BoardCliOptions {
  local?: boolean;
  localAfter?: string;
  ipvsBackend: string;
  ipvsTimeout?: string;
  metricsListen?: string;
}

export interface IpvsSide {
  /** Settles when the first reconcile pass has ended. */
  firstPass: Promise<void>;
  reload(config: Config): Promise<void>;
  status(): IpvsStatus;
  /** status() as JSON, cached between changes. */
  statusJson(): string;
  stop(release: boolean): Promise<void>;
}

/** Another consumer of the verified snapshots the IPVS side follows (VRRP tracking: board-feed.ts). */
export interface SnapshotTap {
  onSnapshot(s: Snapshot): void;
}

/** Why these options cannot run the IPVS side, or null. Checked before anything starts. */
export function ipvsOptionsProblem(o: IpvsCliOptions): string | null {
  if (o.local && o.board) return '--local and --board exclude each other';
  if (o.local) return null;
  const missing = [!o.board && '--board', !o.cluster && '--cluster', !o.boardKey && '--board-key', !hasShimToken(o) && TOKEN_OPTIONS].filter(Boolean);
  if (missing.length) return `the IPVS side needs ${missing.join(', ')} (or --local to run the checks here)`;
  const url = boardUrlProblem(o.board!);
  if (url) return url;
  if (o.localAfter !== undefined && !(Number(o.localAfter) >= 0)) return '--local-after must be a number of seconds';
  return null;
}

/** Starts the IPVS side for a config that has virtual servers. */
/** `metrics`: the process's one registry (shim-command.ts serves it with --metrics-listen). */
export async function startIpvsSide(
  config: Config,
  o: IpvsCliOptions,
  log: (msg: string, fields?: Record<string, unknown>) => void,
  metrics: Metrics,
  tap?: SnapshotTap,
  alerts?: MailAlerts | null,
): Promise<IpvsSide> {
  const faults = new Faults(metrics, log);
  installProcessFaultHandlers(faults, log);
  const backend = createIpvsBackend(o.ipvsBackend, { timeoutMs: o.ipvsTimeout ? Number(o.ipvsTimeout) * 1000 : undefined, log });
  const daemon = new IpvsDaemon(config, {
    backend,
    clock: systemClock,
    log,
    metrics,
    faults,
    localOnly: !!o.local,
    localAfterMs: o.localAfter !== undefined ? Number(o.localAfter) * 1000 : undefined,
    alerts,
  });
  let subscriber: BoardSubscriber | null = null;
  if (!o.local) {
    subscriber = await followBoard(o, log, (s) => {
      daemon.acceptSnapshot(s);
      tap?.onSnapshot(s);
    }, metrics, faults);
  }
  daemon.start();
  subscriber?.start();
  return {
    firstPass: daemon.firstPass,
    reload: (c) => daemon.reload(c),
    status: () => daemon.status(),
    statusJson: () => daemon.statusJson(),
    async stop(release) {
      await subscriber?.stop();
      await daemon.stop(release);
    },
  };
}
