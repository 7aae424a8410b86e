import { describe, expect, inject, it } from 'vitest';
import { initialState } from '../../core/check/checker-state.ts';
import { Check } from '../../core/config/checks.ts';
import type { PlannedChecker } from '../../core/check/checker-plan.ts';
import { roundLengthMs } from './edge-timings.ts';
import { executeRound, slackMs, type Outcome, type Round } from './round.ts';

const upPort = inject('upPort');
const downPort = inject('downPort');
const silentPort = inject('silentPort');

const job = (port: number, over: Partial<PlannedChecker['timing']> = {}): PlannedChecker => ({
  id: `tcp/127.0.0.1:80|127.0.0.1:${port}#0`,
  target: `tcp/127.0.0.1:80|127.0.0.1:${port}`,
  check: Check.parse({ type: 'TCP_CHECK' }),
  timing: { connectTimeoutMs: 2000, retry: 0, delayBeforeRetryMs: 1000, warmupMs: 0, delayLoopMs: 30_000, alpha: false, ...over },
  ip: '127.0.0.1',
  port,
});

const round = (jobs: { job: PlannedChecker; dueInMs: number }[], lengthMs: number): Round => {
  const now = Date.now();
  return { id: 'r1', prober: 'c/weur/0', cluster: 'c', vantagePoint: 'weur', endMs: now + lengthMs, checks: jobs.map((j) => ({ job: j.job, state: initialState(false), dueMs: now + j.dueInMs })) };
};

describe('a ProbeRunner round (executeRound, in workerd over cloudflare:sockets)', () => {
  it("follows keepalived's retry schedule inside the round: a failure is retried after delay_before_retry, the checker goes down after `retry` retries, and the transition is heard at once", async () => {
    const transitions: Outcome[] = [];
    const start = Date.now();
    const ended: Outcome[][] = [];
    const rest = await executeRound(round([{ job: job(downPort, { retry: 1, delayBeforeRetryMs: 300 }), dueInMs: 0 }, { job: job(upPort), dueInMs: 0 }], 2000), { transition: (o) => transitions.push(o), ended: (f) => ended.push(f) });
    expect(rest).toEqual([]); // nothing was still running at the end: all came back with `ended`
    expect(ended).toHaveLength(1);
    const out = ended[0]!;
    const down = out.find((o) => o.id.includes(`:${downPort}`))!;
    const up = out.find((o) => o.id.includes(`:${upPort}`))!;
    expect(down.runs).toHaveLength(2); // the first failure, then the one retry
    // Not before delay_before_retry (less the 2.5% a check may start early: 7 ms of 300).
    expect(down.runs[1]!.atMs - down.runs[0]!.atMs).toBeGreaterThanOrEqual(300 - slackMs(300));
    expect(down.state).toMatchObject({ up: false, hasRun: true });
    expect(down.dueMs).toBeGreaterThanOrEqual(start + 30_000); // next run a delay_loop on, outside this round
    expect(up.runs).toHaveLength(1);
    expect(up.state).toMatchObject({ up: true, hasRun: true });
    expect(up.last.reason).toBe('ok');
    // A checker's first result is a transition too (keepalived notifies it): the Board hears of both at once.
    expect(transitions.map((t) => [t.id.includes(`:${downPort}`), t.state.up]).sort()).toEqual([[false, true], [true, false]]);
    expect(transitions[0]!.runs).toEqual([]); // runs travel once, with the final outcome
  });

  it('runs a check when it falls due (within slackMs either side), and leaves checks due after the round for the next', async () => {
    let out: Outcome[] = [];
    const fast = (id: string) => ({ ...job(upPort, { delayLoopMs: 4000 }), id }); // 2.5% of 4 s: 100 ms either side
    await executeRound(round([{ job: fast('soon#0'), dueInMs: 600 }, { job: fast('later#0'), dueInMs: 5000 }], 1500), { transition: () => {}, ended: (f) => (out = f) });
    expect(out.map((o) => o.id)).toEqual(['soon#0']);
    expect(out[0]!.runs[0]!.atMs).toBeGreaterThanOrEqual(out[0]!.runs[0]!.dueMs - slackMs(4000));
    expect(slackMs(4000)).toBe(100);
    expect(slackMs(60_000)).toBe(250);
  });

  it('hands back the finished checkers at the end of the round while a check still holds its socket, and that one when it is done', async () => {
    const silent: PlannedChecker = {
      ...job(silentPort, { connectTimeoutMs: 2000 }),
      check: Check.parse({ type: 'HTTP_GET', urls: [{ path: '/' }] }),
    };
    const ended: { ids: string[]; stragglers: number; atMs: number }[] = [];
    const r = round([{ job: silent, dueInMs: 0 }, { job: job(upPort), dueInMs: 100 }], 300);
    const rest = await executeRound(r, { transition: () => {}, ended: (f, stragglers) => ended.push({ ids: f.map((o) => o.id), stragglers, atMs: Date.now() }) });
    expect(ended).toHaveLength(1);
    expect(ended[0]!.ids).toEqual([job(upPort).id]);
    expect(ended[0]!.stragglers).toBe(1);
    expect(ended[0]!.atMs).toBeLessThan(r.endMs + 1500); // not held back by the 2 s timeout
    expect(rest.map((o) => o.id)).toEqual([silent.id]);
    expect(rest[0]!.last.reason).toMatch(/timeout/);
  });

  it('sizes rounds so the slowest check and the report fit in the 30 s after the answer', () => {
    expect(roundLengthMs(1000)).toBe(20_000); // 4 s worst check: a full 20 s round
    expect(roundLengthMs(2000)).toBe(18_000); // 7 s worst check
    expect(roundLengthMs(5000)).toBe(9000); // 16 s worst check
    expect(roundLengthMs(10_000)).toBe(1000); // 31 s: the 1 s floor
    // 2,000 checks at a 1 s delay_loop open 2,000 connections a second: 4.5 s of them fill the subrequest budget.
    expect(roundLengthMs(2000, 2000)).toBe(4500);
  });
});
