import { describe, expect, it } from 'vitest';
import type { Vote } from '../../core/vote/fold.ts';
import { localSecrets, tokensOf } from '../../devstack/local-secrets.ts';
import { workerForSuite } from '../helpers/worker-for-suite.ts';
import { BoardClient } from '../../shim/probe/board-client.ts';
import { within } from '../helpers/eventually.ts';

/**
 * A hostile upload to one cluster must not hold another cluster's verdicts
 * (issue #12). Under `wrangler dev` every Durable Object of the Worker shares
 * one workerd thread, the harshest case: while expansion bombs and a
 * catastrophic regex are uploaded to cluster `iso-a` back to back, cluster
 * `iso-b` keeps taking votes and publishing the verdict they change. Each
 * bomb is refused with its positioned error; every flip of `iso-b` is
 * published within the bound (the slowest is printed as the measurement).
 */
const secrets = localSecrets({ clusters: ['iso-a', 'iso-b'], vantagePoints: ['dc1'] });
const b = tokensOf(secrets.tokens, 'iso-b');

/** The longest a vote's flip of iso-b may take to be published while iso-a is fed bombs. */
const FLIP_BOUND_MS = 5000;

const BOMBS: Array<[string, string, RegExp]> = [
  ['nested ~SEQ', 'global_defs {\n  router_id a\n}\n~SEQ(a, 1, 100) ~SEQ(b, 1, 1000000) virtual_server 10.0.${a}.${b} 80 {\n}\n', /keepalived\.conf:4:\d+: error: configuration expands past/],
  ['doubling parameters', ['$A0=xxxxxxxxxxxxxxxx', ...Array.from({ length: 24 }, (_, i) => `$A${i + 1}=$A${i} $A${i}`), 'global_defs {', '  router_id $A24', '}', ''].join('\n'), /keepalived\.conf:27:\d+: error: a line expands past/],
  ['catastrophic regex', 'virtual_server 192.0.2.1 80 {\n  protocol TCP\n  real_server 192.0.2.10 80 {\n    HTTP_GET {\n      url {\n        path /\n        regex "(a+)\\1"\n      }\n    }\n  }\n}\n', /keepalived\.conf:7:\d+: error: .*backreference/],
];

const CONFIG_B = `virtual_server 10.20.0.1 80 {\n  protocol TCP\n  delay_loop 2\n  real_server 10.20.0.10 80 {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n}\nvigil {\n  vantage_point dc1 {\n    kind self-hosted\n  }\n  vote {\n    quorum 1\n  }\n}\n`;

const dev = workerForSuite({ secrets });

describe('one cluster’s hostile upload does not hold another’s verdicts', () => {
  it('iso-b publishes every flip within the bound while iso-a is refused bomb after bomb, each at its position', async () => {
    const adminA = new BoardClient(`${dev.url}/v1/clusters/iso-a`, secrets.tokens.admin);
    await new BoardClient(`${dev.url}/v1/clusters/iso-b`, secrets.tokens.admin).putConfig(CONFIG_B);
    const prober = new BoardClient(`${dev.url}/v1/clusters/iso-b`, b.probers.dc1!);
    const shim = new BoardClient(`${dev.url}/v1/clusters/iso-b`, b.shim);
    const key = (await prober.assignment('dc1')).targets[0]!;
    const stateOf = (body: Uint8Array) => (JSON.parse(new TextDecoder().decode(body)) as { virtualServers: { realServers: { key: string; state: string }[] }[] }).virtualServers[0]!.realServers.find((r) => r.key === key)?.state;
    let seq = 0;
    const first = await shim.verdict(0, 0);
    seq = (JSON.parse(new TextDecoder().decode(first!.body)) as { seq: number }).seq;

    let bombing = true;
    const refusals: string[] = [];
    const bomber = (async () => {
      for (let round = 0; bombing && round < 20; round++) {
        for (const [what, text, where] of BOMBS) {
          const err = await adminA.putConfig(text).then(
            () => null,
            (e: Error & { code?: string }) => e,
          );
          expect(err?.code, `${what} was accepted`).toBe('ERR_CONFIG');
          expect(err!.message, what).toMatch(where);
          refusals.push(what);
        }
      }
    })();

    const flips: number[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const up = i % 2 === 1;
        const vote: Vote = { target: key, vantagePoint: 'dc1', up, reason: up ? 'ok' : 'connect_refused', latencyMs: 1, atMs: Date.now(), intervalMs: 2000, timeoutMs: 1000 };
        const sent = Date.now();
        await prober.postVotes([vote]);
        // The published snapshot that carries the flip: long-polled, each wait bounded.
        await within(`iso-b's snapshot with the real server ${up ? 'up' : 'down'} (flip ${i + 1})`, (async () => {
          for (;;) {
            const got = await shim.verdict(seq, 10);
            if (!got) continue;
            seq = (JSON.parse(new TextDecoder().decode(got.body)) as { seq: number }).seq;
            if (stateOf(got.body) === (up ? 'up' : 'down')) return;
          }
        })(), 30_000);
        flips.push(Date.now() - sent);
      }
    } finally {
      bombing = false;
      await within('the bomb uploads to finish', bomber, 120_000);
    }
    const slowest = Math.max(...flips);
    console.log(`iso-b flips published in ${flips.join(', ')} ms (slowest ${slowest} ms) while iso-a refused ${refusals.length} hostile uploads`);
    expect(refusals.length).toBeGreaterThanOrEqual(BOMBS.length);
    expect(slowest).toBeLessThan(FLIP_BOUND_MS);
  }, 240_000);
});
