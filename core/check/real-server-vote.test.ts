import { describe, expect, it } from 'vitest';
import { Vote } from '../vote/fold.ts';
import { initialState, onResult } from './checker-state.ts';
import { realServerStanding, realServerVote } from './real-server-vote.ts';

const timing = { delayLoopMs: 10_000, connectTimeoutMs: 2000 };
const up = { up: true };
const down = { up: false };

describe("a real server's vote from its checkers (the same on the edge, in vigil probe and with --local)", () => {
  it('is up only while every checker is up (keepalived: num_failed_checkers == 0)', () => {
    expect(realServerStanding([{ state: up, last: { reason: 'ok' } }, { state: up, last: null }])).toEqual({ up: true, reason: 'ok' });
    expect(realServerStanding([{ state: up, last: { reason: 'ok' } }, { state: down, last: { reason: 'connect_refused' } }])).toEqual({ up: false, reason: 'connect_refused' });
  });

  it("down, it names the first failing checker's own reason, not the reason of the run that just ended", () => {
    // The HTTP check just passed; the TCP check beside it is refused: the vote says connect_refused (not protocol_error).
    const checkers = [
      { state: up, last: { reason: 'ok' as const } },
      { state: down, last: { reason: 'connect_refused' as const } },
      { state: down, last: { reason: 'read_timeout' as const } },
    ];
    expect(realServerStanding(checkers)).toEqual({ up: false, reason: 'connect_refused' });
  });

  it('says protocol_error for a checker down although its last run said ok, and aborted for one down before its first run (alpha)', () => {
    expect(realServerStanding([{ state: down, last: { reason: 'ok' } }]).reason).toBe('protocol_error');
    expect(realServerStanding([{ state: initialState(true), last: null }])).toEqual({ up: false, reason: 'aborted' });
  });

  it('one success brings a failing checker, and with it the real server, back up', () => {
    const t = { retry: 0, delayBeforeRetryMs: 1000, delayLoopMs: 10_000 };
    const failed = onResult(initialState(false), false, t, 'TCP_CHECK').state;
    expect(realServerStanding([{ state: failed, last: { reason: 'connect_refused' } }]).up).toBe(false);
    const back = onResult(failed, true, t, 'TCP_CHECK').state;
    expect(realServerStanding([{ state: back, last: { reason: 'ok' } }])).toEqual({ up: true, reason: 'ok' });
  });

  it('a vote carries the latest run as its time and latency, and the longest loop and timeout for its freshness', () => {
    const v = realServerVote(
      'tcp/192.0.2.1:80|10.0.0.1:80',
      'dc1',
      [
        { state: up, last: { reason: 'ok', latencyMs: 4, atMs: 1_000 }, timing },
        { state: down, last: { reason: 'connect_refused', latencyMs: 1, atMs: 2_000 }, timing: { delayLoopMs: 30_000, connectTimeoutMs: 1000 } },
      ],
      9_999,
    );
    expect(v).toEqual({ target: 'tcp/192.0.2.1:80|10.0.0.1:80', vantagePoint: 'dc1', up: false, reason: 'connect_refused', latencyMs: 1, atMs: 2_000, intervalMs: 30_000, timeoutMs: 2000 });
    expect(Vote.parse(v)).toEqual(v);
    // Before any run: the time is now, the latency nothing.
    expect(realServerVote('t', 'dc1', [{ state: up, last: null, timing }], 5_000)).toMatchObject({ up: true, reason: 'ok', latencyMs: 0, atMs: 5_000 });
  });
});
