/**
 * keepalived's VRRP timer arithmetic (vrrp.h VRRP_TIMER_SKEW, VRRP_MS_DOWN_TIMER).
 * Pure numbers in milliseconds.
 */
import type { VrrpVersion } from './codec.ts';

export const OWNER_PRIORITY = 255;
export const STOP_PRIORITY = 0;
export const DEFAULT_DOWN_TIMER_ADVERTS = 3;

/**
 * The interval the wire can carry: v2 whole seconds (1..255), v3 centiseconds
 * (1..4095). keepalived rounds the configured advert_int the same way.
 */
export function wireIntervalMs(version: VrrpVersion, advertIntMs: number): number {
  if (version === 2) return Math.min(255, Math.max(1, Math.round(advertIntMs / 1000))) * 1000;
  return Math.min(4095, Math.max(1, Math.round(advertIntMs / 10))) * 10;
}

/**
 * Skew_Time. v2 (RFC 3768) is (256 − priority)/256 of a second whatever the
 * interval; v3 (RFC 5798) scales with the master's interval. An address owner
 * always uses 255, as keepalived does even while its priority is lowered.
 */
export function skewMs(version: VrrpVersion, priority: number, masterAdvertIntMs: number, owner = false): number {
  const p = 256 - (owner ? OWNER_PRIORITY : priority);
  return version === 2 ? (p * 1000) / 256 : (p * masterAdvertIntMs) / 256;
}

/** Master_Down_Interval = adverts × Master_Adver_Interval + Skew_Time. */
export function masterDownMs(
  version: VrrpVersion,
  priority: number,
  masterAdvertIntMs: number,
  owner = false,
  downTimerAdverts = DEFAULT_DOWN_TIMER_ADVERTS,
): number {
  return downTimerAdverts * masterAdvertIntMs + skewMs(version, priority, masterAdvertIntMs, owner);
}
