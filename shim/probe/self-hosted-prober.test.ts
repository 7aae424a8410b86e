import { afterEach, describe, expect, it, vi } from 'vitest';
import { VigilError } from '../../core/errors.ts';
import { systemClock } from '../../core/ports/clock.ts';
import type { Vote } from '../../core/vote/fold.ts';
import { realServerKey } from '../../core/vote/targets.ts';
import { configFrom } from '../../test/helpers/config-from.ts';
import { CLOSED_PORT } from '../../test/helpers/closed-port.ts';
import { eventually } from '../../test/helpers/eventually.ts';
import { nodeCheckPorts } from '../checks/node-check-ports.ts';
import type { Assignment, BoardClient } from './board-client.ts';
import { SelfHostedProber } from './self-hosted-prober.ts';

const config = configFrom(`
vigil {
  vantage_point dc1 {
    kind self-hosted
  }
}
virtual_server 192.0.2.1 80 {
  protocol TCP
  real_server 127.0.0.1 ${CLOSED_PORT} {
    TCP_CHECK {
      connect_timeout 1
      warmup 0
    }
  }
}
`);
const target = realServerKey(config.virtualServers[0]!, config.virtualServers[0]!.realServers[0]!);

/**
 * A Board stand-in for a test about the prober's delivery (the real Board is
 * in test/control-plane): it answers the assignment and fails vote posts as
 * told, recording every batch it was offered.
 */
function board(failWith: () => Error | null) {
  const offered: Vote[][] = [];
  const client = {
    assignment: async (): Promise<Assignment> => ({ version: 1, etag: 'e1', config, targets: [target] }),
    postVotes: async (votes: Vote[]) => {
      offered.push(votes);
      const err = failWith();
      if (err) throw err;
      return { accepted: votes.length, ignored: 0 };
    },
  };
  return { offered, client: client as unknown as BoardClient };
}

describe('vigil probe: vote delivery', () => {
  let prober: SelfHostedProber | undefined;
  afterEach(async () => {
    prober?.close();
    vi.useRealTimers();
  });

  it('drops a vote held past half the Board’s skew window instead of offering a batch the Board would refuse whole', async () => {
    let down = true;
    const b = board(() => (down ? new VigilError('ERR_BOARD_HTTP', 'HTTP 503', { retryable: true }) : null));
    const lines: string[] = [];
    prober = new SelfHostedProber({ vantagePoint: 'dc1', board: b.client, ports: nodeCheckPorts, clock: systemClock, flushMs: 20, log: (l) => lines.push(l) });
    const running = prober.run();
    await eventually('a vote offered while the Board is away', () => b.offered.length >= 2, { timeoutMs: 10_000 });
    // The Board comes back 20 s later by the wall clock the votes are dated with (delay_loop is 60 s: no new vote meanwhile).
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 20_000 });
    down = false;
    await eventually('the prober to say it dropped the held vote', () => lines.some((l) => /1 vote\(s\) too old to deliver dropped/.test(l)), { timeoutMs: 5000 });
    const after = b.offered.length;
    expect(b.offered.every((batch) => batch.every((v) => v.target === target))).toBe(true);
    prober.close();
    await running;
    // Nothing old was offered once the Board was back: the held vote went, no new one was due.
    expect(b.offered.length).toBe(after);
  });

  it('does not offer again what the Board refused as such (a non-retryable error)', async () => {
    const b = board(() => new VigilError('ERR_FORBIDDEN', 'this token votes only as dc2'));
    const lines: string[] = [];
    prober = new SelfHostedProber({ vantagePoint: 'dc1', board: b.client, ports: nodeCheckPorts, clock: systemClock, flushMs: 20, log: (l) => lines.push(l) });
    const running = prober.run();
    await eventually('the refusal logged', () => lines.some((l) => l.includes('(refused, dropped)')), { timeoutMs: 10_000 });
    prober.close();
    await running;
    // close() flushes once more: had the refused batch been kept, it would have been offered again.
    expect(b.offered).toHaveLength(1);
  });

  it('stops its checks and backs off when the Board refuses its vantage point, saying so once', async () => {
    let refused = false;
    let asked = 0;
    let askedAtRefusal = 0;
    const offered: Vote[][] = [];
    const client = {
      assignment: async (): Promise<Assignment> => {
        asked++;
        if (refused) throw new VigilError('ERR_NOT_FOUND', 'vantage point dc1 is not declared in the config', { path: 'vantage' });
        return { version: 1, etag: 'e1', config, targets: [target] };
      },
      postVotes: async (votes: Vote[]) => (offered.push(votes), { accepted: votes.length, ignored: 0 }),
    } as unknown as BoardClient;
    const lines: string[] = [];
    prober = new SelfHostedProber({ vantagePoint: 'dc1', board: client, ports: nodeCheckPorts, clock: systemClock, refreshMs: 20, flushMs: 10, log: (l) => lines.push(l) });
    const running = prober.run();
    await eventually('a first vote delivered', () => offered.length > 0, { timeoutMs: 10_000 });
    refused = true;
    await eventually('the refusal said', () => lines.some((l) => l.includes('refuses this vantage point')), { timeoutMs: 5000 });
    askedAtRefusal = asked;
    const refusedAtMs = Date.now();
    const votesAtRefusal = offered.length;
    // 20 ms refreshes doubling: asked again at +40, +80, +160, +320 ms…; three more asks prove the prober kept going.
    await eventually('three more assignment requests', () => asked >= askedAtRefusal + 3, { timeoutMs: 5000 });
    // Backing off: without it three more asks take 60 ms (20 ms apart); with it at least 80 + 160 ms.
    const spanMs = 80 + 160;
    expect(Date.now() - refusedAtMs).toBeGreaterThanOrEqual(spanMs);
    expect(lines.filter((l) => l.includes('refuses this vantage point'))).toHaveLength(1);
    expect(offered.length, 'no vote offered once nothing is assigned').toBe(votesAtRefusal);
    refused = false;
    await eventually('checks assigned again', () => lines.some((l) => l.includes('assigns checks again')), { timeoutMs: 5000 + spanMs });
    prober.close();
    await running;
  });
});

