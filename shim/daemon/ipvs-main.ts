import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Config } from '../../core/config/model.ts';
import { systemClock } from '../../core/ports/clock.ts';
import { createIpvsBackend } from '../ipvs/create-backend.ts';
import type { BoardSubscriber } from './board-subscriber.ts';
import { Faults, installProcessFaultHandlers } from './faults.ts';
import { IpvsDaemon } from './ipvs-daemon.ts';
import { Metrics, serveMetrics } from './metrics.ts';
import { boardUrlProblem } from '../probe/board-url.ts';

export interface IpvsCliOptions {
  board?: string;
  token?: string;
  tokenFile?: string;
  cluster?: string;
  boardKey?: string;
  local?: boolean;
  localAfter?: string;
  ipvsBackend: string;
  ipvsTimeout?: string;
  metricsListen?: string;
  boardBackoffMax?: string;
  /** Where the replay state (replay.json) is kept: the unit's StateDirectory. */
  stateDir?: string;
}

/** --state-dir's default: systemd's $STATE_DIRECTORY (the first, when it lists several), else the unit's StateDirectory=vigil. */
export function defaultStateDir(): string {
  return process.env.STATE_DIRECTORY?.split(':')[0] || '/var/lib/vigil';
}

export interface IpvsSide {
  /** Settles when the first reconcile pass has ended. */
  firstPass: Promise<void>;
  reload(config: Config): Promise<void>;
  stop(release: boolean): Promise<void>;
}

/** Why these options cannot run the IPVS side, or null. Checked before anything starts. */
export function ipvsOptionsProblem(o: IpvsCliOptions): string | null {
  if (o.local && o.board) return '--local and --board exclude each other';
  if (o.local) return null;
  const missing = [!o.board && '--board', !o.cluster && '--cluster', !o.boardKey && '--board-key', !(o.token || o.tokenFile || process.env.VIGIL_SHIM_TOKEN) && '--token/--token-file/VIGIL_SHIM_TOKEN'].filter(Boolean);
  if (missing.length) return `the IPVS side needs ${missing.join(', ')} (or --local to run the checks here)`;
  const url = boardUrlProblem(o.board!);
  if (url) return url;
  if (o.localAfter !== undefined && !(Number(o.localAfter) >= 0)) return '--local-after must be a number of seconds';
  return null;
}

/** Starts the IPVS side for a config that has virtual servers. */
export async function startIpvsSide(config: Config, o: IpvsCliOptions, log: (msg: string, fields?: Record<string, unknown>) => void): Promise<IpvsSide> {
  const metrics = new Metrics();
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
  });
  let subscriber: BoardSubscriber | null = null;
  if (!o.local) {
    // The token is a secret: read from a file or the environment when given so, never logged.
    const token = (o.token ?? (o.tokenFile ? readFileSync(o.tokenFile, 'utf8') : process.env.VIGIL_SHIM_TOKEN) ?? '').trim();
    // Loaded only when following a Board: undici and the signature code are most of a --local shim's heap otherwise.
    const [{ loadBoardKeys }, { BoardSubscriber }, replay] = await Promise.all([import('./board-keys.ts'), import('./board-subscriber.ts'), import('./replay-state.ts')]);
    const keys = await loadBoardKeys(o.boardKey!);
    const guard = replay.replayGuard(o.stateDir ?? defaultStateDir(), o.cluster!, metrics, faults, log);
    subscriber = new BoardSubscriber({
      url: o.board!,
      cluster: o.cluster!,
      token,
      keys,
      log,
      faults,
      startSeq: guard.start.last?.seq,
      startSeqByKey: guard.start.seqByKey,
      beforeApply: guard.save,
      onSnapshot: (s) => daemon.acceptSnapshot(s),
      backoffMaxMs: o.boardBackoffMax ? Number(o.boardBackoffMax) * 1000 : undefined,
    });
    metrics.define('vigil_shim_snapshots_accepted_total', 'counter', 'Snapshots that passed signature, sequence and expiry checks');
    metrics.define('vigil_shim_snapshots_rejected_total', 'counter', 'Snapshots refused, by reason');
    metrics.define('vigil_shim_board_connected', 'gauge', 'Transport to the Board in use');
    const sub = subscriber;
    metrics.collect(() => {
      metrics.set('vigil_shim_snapshots_accepted_total', sub.stats.accepted);
      for (const [reason, n] of Object.entries(sub.stats.rejected)) metrics.set('vigil_shim_snapshots_rejected_total', n ?? 0, { reason });
      for (const t of ['websocket', 'long-poll', 'none']) metrics.set('vigil_shim_board_connected', sub.stats.transport === t ? 1 : 0, { transport: t });
    });
    // Only the origin: a URL's user-info part would be a secret.
    log('board', { url: new URL(o.board!).origin, cluster: o.cluster, keys: [...keys.keys()] });
  }
  let server: Server | null = null;
  if (o.metricsListen) {
    server = await serveMetrics(o.metricsListen, metrics);
    log('metrics listening', { listen: o.metricsListen });
  }
  daemon.start();
  subscriber?.start();
  return {
    firstPass: daemon.firstPass,
    reload: (c) => daemon.reload(c),
    async stop(release) {
      await subscriber?.stop();
      await daemon.stop(release);
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    },
  };
}
