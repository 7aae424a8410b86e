import { readFileSync } from 'node:fs';
import type { Config } from '../../core/config/model.ts';
import { systemClock } from '../../core/ports/clock.ts';
import { HttpLeaseClient } from '../cloud/lease-client.ts';
import type { LeaseStatus } from '../../core/status/shim-status.ts';
import { DryRunLocalAddress, IprouteLocalAddress } from '../cloud/local-address.ts';
import { wireMover } from '../cloud/wire-mover.ts';
import { VigilError } from '../../core/errors.ts';
import { boardUrlProblem } from '../probe/board-url.ts';
import { hasShimToken, shimToken, TOKEN_OPTIONS } from './shim-token.ts';

export interface CloudCliOptions {
  board?: string;
  cluster?: string;
  token?: string;
  tokenFile?: string;
  director?: string;
  cloudDevice?: string;
  cloudHeartbeat?: string;
  cloudRelease?: boolean;
  cloudDryRunLocal?: boolean;
  healthFile?: string;
}

export interface CloudSide {
  stop(): Promise<void>;
  /** Bindings this director believes it holds now (for the status file and tests). */
  held(): string[];
  /** The leases held now, with their fencing tokens and how long each has left on this director's clock. */
  leases(): LeaseStatus[];
}

/** up / down; anything else (or no file) counts as healthy, so a missing file never drops a lease. */
function fileSaysHealthy(path: string | undefined): boolean {
  if (!path) return true;
  try {
    return readFileSync(path, 'utf8').trim().toLowerCase() !== 'down';
  } catch {
    return true;
  }
}

/** Why the cloud side cannot start with these options, or null; undefined when the config gives it nothing to do. */
export function cloudOptionsProblem(config: Config, o: CloudCliOptions): string | null | undefined {
  if (!o.director) return undefined;
  const mine = config.vigil.cloudBindings.filter((b) => b.directors.some((d) => d.id === o.director));
  if (mine.length === 0) return `--director ${o.director}: no cloud_binding in the config names this director`;
  const missing = [!o.board && '--board', !o.cluster && '--cluster', !hasShimToken(o) && TOKEN_OPTIONS].filter(Boolean);
  if (missing.length) return `cloud failover needs ${missing.join(', ')}`;
  const url = boardUrlProblem(o.board!);
  if (url) return url;
  const hb = Number(o.cloudHeartbeat ?? '1');
  if (!(hb >= 0.1 && hb <= 60)) return '--cloud-heartbeat must be between 0.1 and 60 seconds';
  return null;
}

/**
 * The cloud half of the director: heartbeats to the Board's LeaseKeeper and,
 * only while it holds a binding's lease, moves that address with the EC2 API
 * (credentials from the SDK's default chain). `healthy` is this director's own
 * view: its health file (up/down) and, when VRRP runs here, no instance in FAULT.
 */
export function startCloudSide(config: Config, o: CloudCliOptions, log: (msg: string, fields?: Record<string, unknown>) => void, extraHealthy: () => boolean = () => true): CloudSide {
  // The token is a secret: read from a file or the environment when given so, never logged.
  const token = shimToken(o);
  const base = `${o.board!.replace(/\/+$/, '')}/v1/clusters/${encodeURIComponent(o.cluster!)}`;
  const wired = wireMover({
    directorId: o.director!,
    bindings: config.vigil.cloudBindings,
    client: new HttpLeaseClient(base, o.director!, token),
    clock: systemClock,
    local: o.cloudDryRunLocal ? new DryRunLocalAddress(o.cloudDevice ?? 'eth0') : new IprouteLocalAddress(o.cloudDevice ?? 'eth0'),
    heartbeatMs: Number(o.cloudHeartbeat ?? '1') * 1000,
    healthy: () => fileSaysHealthy(o.healthFile) && extraHealthy(),
    releaseOnShutdown: !!o.cloudRelease,
    onEvent: (e) => log(`cloud ${e.type}`, { ...e }),
  });
  if (!wired.ok) throw new VigilError('ERR_CONFIG', `cloud failover: ${wired.reasons.join('; ')}`, { errors: wired.reasons });
  const stop = new AbortController();
  const running = wired.mover.run(stop.signal).catch((err: unknown) => log('cloud mover stopped on an error', { error: String(err) }));
  log('cloud failover started', { director: o.director, bindings: wired.backends.map((b) => b.binding) });
  return {
    async stop() {
      stop.abort();
      await running;
    },
    held: () => wired.leases.entries().map(([name]) => name),
    leases: () => wired.leases.entries().map(([binding, l]) => ({ binding, token: l.token, expiresInMs: Math.round(l.deadlineMs - systemClock.nowMs()) })),
  };
}
