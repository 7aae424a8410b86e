/**
 * keepalived's tracking arithmetic (vrrp_track.c, track_file.c), pure:
 * from the tracked objects' current status to FAULT or an effective priority.
 *
 * - A pass/fail object (interface, script, process, the Board's verdict) without a
 *   weight puts the instance in FAULT while it fails. With a weight W and
 *   multiplier m (−1 with `reverse`): passing adds W·m when W > 0, failing
 *   adds W·m when W < 0.
 * - A track_file value V without a weight: FAULT when V ≠ 0 (V = 0 with
 *   reverse). With a weight: adds V·W·m clamped to [−254, 253]; −254 is FAULT.
 * - A neutral object (the Board's verdict once a stale or unknown one has
 *   been held for its hold_time) adds nothing and never faults.
 * - The sum is clamped to 1..254; an address owner (255) never moves.
 */
import { OWNER_PRIORITY } from './timers.ts';

export type TrackKind = 'interface' | 'script' | 'file' | 'board' | 'process';

/** `ok: null` is "not known yet" (a script that has not run, a Board that has not spoken). */
export type TrackStatus = { kind: 'pass-fail'; ok: boolean | null } | { kind: 'value'; value: number } | { kind: 'neutral' };

export interface TrackedObject {
  kind: TrackKind;
  name: string;
  weight: number;
  reverse: boolean;
  status: TrackStatus;
}

export interface TrackingResult {
  fault: boolean;
  /** Objects that put the instance in FAULT, for the log. */
  faultBy: string[];
  effectivePriority: number;
}

const FILE_FAULT = -254;

/** What one object adds to the priority, or 'fault'. */
export function contribution(t: TrackedObject): number | 'fault' {
  const m = t.reverse ? -1 : 1;
  if (t.status.kind === 'neutral') return 0;
  if (t.status.kind === 'value') {
    const v = t.status.value;
    if (t.weight === 0) return (v !== 0) === (m === 1) ? 'fault' : 0;
    const c = Math.max(FILE_FAULT, Math.min(253, v * t.weight * m));
    return c === FILE_FAULT ? 'fault' : c;
  }
  const ok = t.status.ok;
  if (t.weight === 0) {
    // Not yet known counts as failing: keepalived holds such an instance out of service until the script reports.
    if (ok === null) return 'fault';
    return ok === (m === 1) ? 0 : 'fault';
  }
  if (ok === null) return 0;
  if (ok && t.weight > 0) return t.weight * m;
  if (!ok && t.weight < 0) return t.weight * m;
  return 0;
}

export function evaluateTracking(basePriority: number, tracked: TrackedObject[]): TrackingResult {
  let total = basePriority;
  const faultBy: string[] = [];
  for (const t of tracked) {
    const c = contribution(t);
    if (c === 'fault') faultBy.push(`${t.kind} ${t.name}`);
    else total += c;
  }
  const effectivePriority = basePriority === OWNER_PRIORITY ? OWNER_PRIORITY : Math.max(1, Math.min(OWNER_PRIORITY - 1, total));
  return { fault: faultBy.length > 0, faultBy, effectivePriority };
}
