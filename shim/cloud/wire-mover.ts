/**
 * Puts a director's cloud failover together from the config: one EC2 client
 * (credentials and endpoint from the SDK's default chain), and per binding a
 * backend whose every call goes lease guard → retry → SDK.
 */
import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import type { CloudBinding } from '../../core/config/vigil.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { AddressBackend } from './backend.ts';
import { createBackend } from './create-backend.ts';
import { CloudMover, LeaseStore, type MoverEvent } from './cloud-mover.ts';
import { createEc2Client, sdkCaller, type Caller } from './ec2-caller.ts';
import type { LeaseClient } from './lease-client.ts';
import { withLeaseGuard } from './lease-guard.ts';
import type { LocalAddress } from './local-address.ts';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './with-retry.ts';

export interface WireOptions {
  directorId: string;
  bindings: CloudBinding[];
  client: LeaseClient;
  clock: Clock;
  local: LocalAddress;
  heartbeatMs: number;
  healthy: () => boolean;
  releaseOnShutdown: boolean;
  retry?: RetryPolicy;
  /** Tests only (an explicit endpoint beside AWS_ENDPOINT_URL_EC2); production leaves the SDK's defaults. */
  sdk?: Partial<EC2ClientConfig>;
  /** Wraps the bare SDK caller (innermost, under the guard and the retry): metrics, or a test's in-flight count. */
  wrapCaller?: (c: Caller) => Caller;
  onEvent?: (e: MoverEvent) => void;
}

export type Wired = { ok: true; mover: CloudMover; leases: LeaseStore; backends: AddressBackend[] } | { ok: false; reasons: string[] };

export function wireMover(o: WireOptions): Wired {
  const leases = new LeaseStore(o.clock);
  const mine = o.bindings.filter((b) => b.directors.some((d) => d.id === o.directorId));
  const backends: AddressBackend[] = [];
  const reasons: string[] = [];
  const clients = new Map<string, Caller>();
  for (const b of mine) {
    const region = b.region ?? '';
    if (!clients.has(region)) {
      const bare = sdkCaller(createEc2Client({ region: b.region, directorId: o.directorId, overrides: o.sdk }));
      clients.set(region, o.wrapCaller ? o.wrapCaller(bare) : bare);
    }
    const caller = withRetry(withLeaseGuard(clients.get(region)!, () => leases.get(b.name), o.clock), o.clock, o.retry ?? DEFAULT_RETRY, (action, code, attempt) =>
      o.onEvent?.({ type: 'error', binding: b.name, code: 'retry', message: `${action} ${code}, attempt ${attempt + 1}` }),
    );
    const made = createBackend(b, o.directorId, { caller, local: o.local });
    if (made.ok) backends.push(made.backend);
    else reasons.push(made.reason);
  }
  if (reasons.length) return { ok: false, reasons };
  const mover = new CloudMover({ backends, leases, client: o.client, clock: o.clock, heartbeatMs: o.heartbeatMs, healthy: o.healthy, releaseOnShutdown: o.releaseOnShutdown, onEvent: o.onEvent });
  return { ok: true, mover, leases, backends };
}
