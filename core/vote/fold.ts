import * as z from 'zod';
import { ReasonCode } from '../check/result.ts';
import type { VotePolicy } from '../config/vigil.ts';
import { effectiveQuorum } from './quorum.ts';

/** One vantage point's latest word on one real server; doubles as its heartbeat. */
export const Vote = z.object({
  target: z.string().min(1).max(300),
  vantagePoint: z.string().min(1).max(63),
  up: z.boolean(),
  reason: ReasonCode,
  latencyMs: z.number().min(0).max(3_600_000),
  /** When the check finished, by the prober's clock (ms since epoch). */
  atMs: z.number().int().min(0),
  /**
   * The voter's own delay_loop and connect_timeout. Kept so probers that send
   * them stay valid, but never trusted: how long a vote stays fresh is the
   * Board's config's timing for that real server (freshnessWindows), or a
   * voter could keep its word alive for a day.
   */
  intervalMs: z.number().min(1).max(86_400_000),
  timeoutMs: z.number().min(0).max(3_600_000),
});
export type Vote = z.infer<typeof Vote>;

export type TargetState = 'up' | 'down' | 'unknown';

export interface VoteDetail {
  up: boolean;
  reason: ReasonCode;
  atMs: number;
  fresh: boolean;
  /** How long the vantage point's check took (the dashboard shows it beside the reason). */
  latencyMs: number;
}

export interface TargetVerdict {
  state: TargetState;
  /** The state consumers act on: the last up/down, held through `unknown` (fail-static). */
  effective: 'up' | 'down';
  upVotes: number;
  downVotes: number;
  fresh: number;
  /** The effective quorum (effectiveQuorum): the configured one, or as `degrade` lowered it. */
  quorum: number;
  votes: Record<string, VoteDetail>;
}

export interface FoldPolicy extends Partial<Pick<VotePolicy, 'quorum' | 'degrade'>> {
  /** How long a vote on this real server stays fresh, from the config (freshnessWindows). */
  freshForMs: number;
}

/** Whether a vote still counts: younger than the window, and not from a clock far ahead (ingestion bounds it too). */
export function isFresh(v: Vote, nowMs: number, freshForMs: number): boolean {
  return nowMs - v.atMs <= freshForMs && v.atMs <= nowMs + 60_000;
}

/**
 * Folds the latest vote of each assigned vantage point into a verdict:
 * up when at least `quorum` fresh vantage points say up, down when at least
 * `quorum` say down, otherwise the previous state stands; with fewer than
 * `quorum` fresh vantage points the verdict is `unknown` and consumers hold
 * their last state. Votes from vantage points not assigned are ignored.
 * The quorum is the plan's (effectiveQuorum over the assigned vantage
 * points): a quorum more than can check it stays unmet unless `degrade` says
 * otherwise, so fewer votes than the operator asked for never decide.
 */
export function foldTarget(prev: 'up' | 'down', assigned: readonly string[], latest: ReadonlyMap<string, Vote>, nowMs: number, policy: FoldPolicy): TargetVerdict {
  const { quorum } = effectiveQuorum(policy, assigned.length);
  let up = 0;
  let down = 0;
  let fresh = 0;
  const votes: Record<string, VoteDetail> = {};
  for (const vp of assigned) {
    const v = latest.get(vp);
    if (!v) continue;
    const f = isFresh(v, nowMs, policy.freshForMs);
    votes[vp] = { up: v.up, reason: v.reason, atMs: v.atMs, fresh: f, latencyMs: v.latencyMs };
    if (!f) continue;
    fresh++;
    if (v.up) up++;
    else down++;
  }
  let state: TargetState;
  let effective = prev;
  if (fresh < quorum || assigned.length === 0) state = 'unknown';
  else if (up >= quorum && down >= quorum) state = prev; // only possible with quorum ≤ half: keep what we had
  else if (up >= quorum) state = effective = 'up';
  else if (down >= quorum) state = effective = 'down';
  else state = prev;
  return { state, effective, upVotes: up, downVotes: down, fresh, quorum, votes };
}
