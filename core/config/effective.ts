import * as z from 'zod';
import { CheckTiming, defaultRetry, type Check } from './checks.ts';
import type { RealServer, VirtualServer } from './lvs.ts';
import { DurationMs } from './primitives.ts';

/**
 * A checker's schedule after keepalived's inheritance: checker > real server >
 * virtual server > default. A schema because it crosses RPC (a Prober's plan,
 * a ProbeRunner's round) and is parsed there.
 */
export const EffectiveTiming = z.strictObject({
  connectTimeoutMs: DurationMs,
  retry: CheckTiming.shape.retry.unwrap(),
  delayBeforeRetryMs: DurationMs,
  /** Upper bound of the random delay before the first check. */
  warmupMs: DurationMs,
  delayLoopMs: DurationMs,
  alpha: z.boolean(),
});
export type EffectiveTiming = z.infer<typeof EffectiveTiming>;

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** keepalived's delay_loop when none is set anywhere: the one place this default lives. */
export const DEFAULT_DELAY_LOOP_MS = 60_000;

export function effectiveTiming(vs: VirtualServer, rs: RealServer, check: Check): EffectiveTiming {
  const c = check as Partial<Record<keyof EffectiveTiming, unknown>>;
  const pick = <K extends 'connectTimeoutMs' | 'retry' | 'delayBeforeRetryMs' | 'warmupMs' | 'delayLoopMs'>(k: K) =>
    (c[k] as number | undefined) ?? rs[k] ?? vs[k];
  const delayLoopMs = pick('delayLoopMs') ?? DEFAULT_DELAY_LOOP_MS;
  const defaultDelayBeforeRetry =
    check.type === 'HTTP_GET' || check.type === 'SSL_GET' ? 3000 : check.type === 'DNS_CHECK' ? delayLoopMs : 1000;
  return {
    connectTimeoutMs: pick('connectTimeoutMs') ?? DEFAULT_CONNECT_TIMEOUT_MS,
    retry: pick('retry') ?? defaultRetry(check.type),
    delayBeforeRetryMs: pick('delayBeforeRetryMs') ?? defaultDelayBeforeRetry,
    warmupMs: pick('warmupMs') ?? delayLoopMs,
    delayLoopMs,
    alpha: (c.alpha as boolean | undefined) ?? rs.alpha ?? vs.alpha,
  };
}

/** inhibit_on_failure: the real server's own setting wins over the virtual server's. */
export function effectiveInhibit(vs: VirtualServer, rs: RealServer): boolean {
  return rs.inhibitOnFailure ?? vs.inhibitOnFailure;
}

/** The Host header keepalived sends: url > checker > real_server > virtual_server, else ip:port. */
export function effectiveVirtualhost(
  vs: VirtualServer,
  rs: RealServer,
  check: { virtualhost?: string | undefined },
  url: { virtualhost?: string | undefined },
): string | undefined {
  return url.virtualhost ?? check.virtualhost ?? rs.virtualhost ?? vs.virtualhost;
}
