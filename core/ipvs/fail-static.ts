/**
 * Who decides the IPVS table, and when nobody may. Pure: the daemon feeds it
 * accepted snapshots and clock ticks and does what the returned action says.
 *
 *   waiting  no verdict yet: the table is held exactly as found
 *   board    a snapshot that has not expired is in force
 *   holding  the last snapshot expired (Board unreachable or silent): hold
 *   local    held for `localAfterMs`: the shim's own checks decide, until a
 *            fresh snapshot arrives and the Board takes over again
 */
export type FailStaticMode = 'waiting' | 'board' | 'holding' | 'local';

export interface FailStaticState {
  mode: FailStaticMode;
  /** When the snapshot in force stops counting. */
  expiresAtMs?: number;
  /** Since when nobody valid has decided (entered waiting or holding). */
  heldSinceMs: number;
}

export interface FailStaticOptions {
  /** Time held before local checks take over; undefined: hold for ever. 0 with `localOnly` is `--local`. */
  localAfterMs?: number;
}

export type FailStaticAction = 'apply-board' | 'hold' | 'start-local' | 'none';

export function initialFailStatic(nowMs: number, localOnly = false): FailStaticState {
  return localOnly ? { mode: 'local', heldSinceMs: nowMs } : { mode: 'waiting', heldSinceMs: nowMs };
}

/** A snapshot that passed signature, sequence and expiry checks. */
export function onSnapshot(s: FailStaticState, expiresAtMs: number, nowMs: number): { state: FailStaticState; action: FailStaticAction } {
  if (expiresAtMs <= nowMs) return { state: s, action: 'none' };
  return { state: { mode: 'board', expiresAtMs, heldSinceMs: s.heldSinceMs }, action: 'apply-board' };
}

export function onTick(s: FailStaticState, nowMs: number, o: FailStaticOptions): { state: FailStaticState; action: FailStaticAction } {
  if (s.mode === 'board' && s.expiresAtMs !== undefined && nowMs >= s.expiresAtMs) {
    return { state: { mode: 'holding', heldSinceMs: nowMs }, action: 'hold' };
  }
  if ((s.mode === 'holding' || s.mode === 'waiting') && o.localAfterMs !== undefined && nowMs - s.heldSinceMs >= o.localAfterMs) {
    return { state: { mode: 'local', heldSinceMs: s.heldSinceMs }, action: 'start-local' };
  }
  return { state: s, action: 'none' };
}
