import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldTarget, type Vote } from './fold.ts';

const NOW = 1_000_000;
const vote = (vp: string, up: boolean, ageMs = 0, intervalMs = 10_000): Vote => ({ target: 't', vantagePoint: vp, up, reason: up ? 'ok' : 'connect_timeout', latencyMs: 5, atMs: NOW - ageMs, intervalMs, timeoutMs: 3000 });
const latest = (...votes: Vote[]) => new Map(votes.map((v) => [v.vantagePoint, v]));
/** The config's window for these votes: 3 × delay_loop 10 s + connect_timeout 3 s (core/vote/freshness.ts). */
const policy = { freshForMs: 3 * 10_000 + 3000 };
const VPS = ['a', 'b', 'c'];

describe('folding votes into a verdict', () => {
  it('three vantage points agreeing flip the verdict; a majority is enough', () => {
    expect(foldTarget('up', VPS, latest(vote('a', false), vote('b', false), vote('c', false)), NOW, policy)).toMatchObject({ state: 'down', effective: 'down', quorum: 2 });
    expect(foldTarget('up', VPS, latest(vote('a', false), vote('b', false), vote('c', true)), NOW, policy).state).toBe('down');
  });

  it('one lying or sick vantage point changes nothing', () => {
    expect(foldTarget('up', VPS, latest(vote('a', false), vote('b', true), vote('c', true)), NOW, policy)).toMatchObject({ state: 'up', downVotes: 1 });
    expect(foldTarget('down', VPS, latest(vote('a', true), vote('b', false), vote('c', false)), NOW, policy).state).toBe('down');
  });

  it('a lost vantage point (stale votes) does not flip; all stale is unknown and consumers hold', () => {
    const staleAge = 3 * 10_000 + 3000 + 1;
    expect(foldTarget('up', VPS, latest(vote('a', false, staleAge), vote('b', true), vote('c', true)), NOW, policy)).toMatchObject({ state: 'up', fresh: 2 });
    const allStale = foldTarget('down', VPS, latest(vote('a', true, staleAge), vote('b', true, staleAge), vote('c', true, staleAge)), NOW, policy);
    expect(allStale).toMatchObject({ state: 'unknown', effective: 'down', fresh: 0 });
    // Exactly at the edge of freshness the vote still counts.
    expect(foldTarget('up', VPS, latest(vote('a', false, staleAge - 1), vote('b', false, staleAge - 1)), NOW, policy).state).toBe('down');
  });

  it("freshness is the config's window, whatever interval the vote claims", () => {
    const dayMs = 86_400_000;
    const claimsADay = (vp: string, ageMs: number) => ({ ...vote(vp, false, ageMs), intervalMs: dayMs, timeoutMs: 3_600_000 });
    expect(foldTarget('up', VPS, latest(claimsADay('a', policy.freshForMs), claimsADay('b', policy.freshForMs)), NOW, policy)).toMatchObject({ state: 'down', fresh: 2 });
    expect(foldTarget('up', VPS, latest(claimsADay('a', policy.freshForMs + 1), claimsADay('b', policy.freshForMs + 1)), NOW, policy)).toMatchObject({ state: 'unknown', fresh: 0 });
    // A vote that claims a short interval does not go stale early either: the config decides both ways.
    expect(foldTarget('up', VPS, latest(vote('a', false, 20_000, 1), vote('b', false, 20_000, 1)), NOW, policy)).toMatchObject({ state: 'down', fresh: 2 });
  });

  it('too few fresh for quorum is unknown, even if they agree', () => {
    expect(foldTarget('up', VPS, latest(vote('a', false)), NOW, policy)).toMatchObject({ state: 'unknown', effective: 'up' });
  });

  it('ignores votes from vantage points not assigned to the target', () => {
    expect(foldTarget('up', ['a'], latest(vote('x', false), vote('y', false), vote('a', true)), NOW, policy)).toMatchObject({ state: 'up', upVotes: 1, downVotes: 0 });
  });

  it('property: with quorum ≥ 2, no single vantage point can change a verdict', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 7 }),
        fc.constantFrom<'up' | 'down'>('up', 'down'),
        fc.array(fc.record({ stance: fc.constantFrom('agree', 'stale', 'absent'), age: fc.integer({ min: 0, max: 100_000 }) }), { minLength: 7, maxLength: 7 }),
        fc.integer({ min: 0, max: 6 }),
        fc.option(fc.integer({ min: 2, max: 7 }), { nil: undefined }),
        (n, prev, others, liarIdx, quorum) => {
          const vps = Array.from({ length: n }, (_, i) => `vp${i}`);
          const q = quorum === undefined ? undefined : Math.min(quorum, n);
          if ((q ?? Math.floor(n / 2) + 1) < 2) return;
          const liar = vps[liarIdx % n]!;
          const votes: Vote[] = [];
          vps.forEach((vp, i) => {
            if (vp === liar) votes.push(vote(vp, prev !== 'up'));
            else if (others[i]!.stance === 'agree') votes.push(vote(vp, prev === 'up', Math.min(others[i]!.age, 30_000)));
            else if (others[i]!.stance === 'stale') votes.push(vote(vp, prev !== 'up', 40_000 + others[i]!.age));
          });
          const v = foldTarget(prev, vps, latest(...votes), NOW, { ...policy, quorum: q });
          expect(v.effective).toBe(prev);
          expect(v.state === prev || v.state === 'unknown').toBe(true);
        },
      ),
      { numRuns: 2000, seed: 42 },
    );
  });
});
