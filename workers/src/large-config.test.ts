import { describe, expect, it } from 'vitest';
import { MAX_CONFIG_BYTES } from './app.ts';
import { splitText } from './board-store.ts';
import { api, postVotes, putConfig, threeVantageConfig, verdict, vote } from '../test/helpers.ts';
import { denseKeepalivedConfig, largeKeepalivedConfig } from '../test/large-config.ts';
import { DEFAULT_EXPANSION_BUDGET } from '../../core/keepalived/expansion-budget.ts';

const REAL_SERVERS = 12_000;

describe('large configs', () => {
  it(`a plain keepalived.conf of ${REAL_SERVERS} HTTP_GET real servers uploads, is served back byte for byte and plans`, async () => {
    const text = largeKeepalivedConfig(REAL_SERVERS);
    const bytes = new TextEncoder().encode(text).length;
    const t0 = performance.now();
    const put = await putConfig('big-a', text);
    const putMs = performance.now() - t0;
    expect(put.status, await put.clone().text()).toBe(201);

    const t1 = performance.now();
    const assignment = await api('/v1/clusters/big-a/assignment?vantage=dc1');
    const planMs = performance.now() - t1;
    expect(assignment.status).toBe(200);
    const { targets } = (await assignment.json()) as { targets: string[] };
    expect(targets.length).toBe(REAL_SERVERS);
    expect(new Set(targets).size).toBe(REAL_SERVERS);

    const back = await api('/v1/clusters/big-a/config');
    expect(back.status).toBe(200);
    expect(back.headers.get('ETag')).toBe(put.headers.get('ETag'));
    expect(await back.text()).toBe(text);
    // The largest snapshot such a cluster makes (every vantage point's vote on every real server, half of
    // them down): what sizes the shim's frame limit (shim/daemon/board-subscriber.ts MAX_FRAME_BYTES).
    const before = await verdict('big-a');
    expect(before.status).toBe(200);
    const t2 = performance.now();
    for (const vp of ['dc1', 'dc2', 'dc3']) {
      for (let i = 0; i < targets.length; i += 5000) {
        const res = await postVotes('big-a', vp, targets.slice(i, i + 5000).map((t, k) => vote(t, vp, (i + k) % 2 === 0)));
        expect(res.status, await res.clone().text()).toBe(200);
      }
    }
    const votesMs = performance.now() - t2;
    const snap = await verdict('big-a', before.seq, 10);
    expect(snap.status, 'a snapshot after the votes').toBe(200);
    const rs = snap.doc!.virtualServers.flatMap((vs) => vs.realServers);
    expect(rs.length).toBe(REAL_SERVERS);
    console.log(
      `large config: ${REAL_SERVERS} real servers, ${bytes} bytes: upload ${Math.round(putMs)} ms, assignment ${Math.round(planMs)} ms, ` +
        `${3 * REAL_SERVERS} votes ${Math.round(votesMs)} ms; snapshot ${snap.bytes.length} bytes (${rs.filter((r) => r.state === 'down').length} down)`,
    );
  });

  // The shim reads at most 48 MiB per message (shim/daemon/frame-limit.ts MAX_FRAME_BYTES, which imports undici and
  // cannot load here): the densest config the body limit lets through must make a snapshot that fits it.
  const SHIM_FRAME_BYTES = 48 << 20;

  it('the densest config within the body limit and the line budget stores and publishes (no SQLITE_TOOBIG) a snapshot the shim reads', async () => {
    const { text, realServers } = denseKeepalivedConfig(MAX_CONFIG_BYTES, DEFAULT_EXPANSION_BUDGET.lines);
    const t0 = performance.now();
    const put = await putConfig('huge-a', text);
    const putMs = performance.now() - t0;
    expect(put.status, await put.clone().text()).toBe(201);
    const snap = await verdict('huge-a');
    expect(snap.status).toBe(200);
    expect(snap.doc!.virtualServers.flatMap((vs) => vs.realServers).length).toBe(realServers);
    // As the Board's stream sends it: the body escaped into a JSON string.
    const message = JSON.stringify({ type: 'snapshot', seq: snap.seq, signature: snap.signature, body: new TextDecoder().decode(snap.bytes) }).length;
    console.log(`densest config: ${realServers} real servers, ${text.length} bytes: upload ${Math.round(putMs)} ms; snapshot ${snap.bytes.length} bytes, stream message ${message} bytes`);
    expect(message).toBeLessThan(SHIM_FRAME_BYTES);
  }, 120_000);

  it(`a body of exactly ${MAX_CONFIG_BYTES} bytes is taken; one byte more is a 413 naming the limit and the running config stays`, async () => {
    const base = threeVantageConfig();
    // Comment lines of 1 KiB, the last one shorter: a body of exactly n bytes whose lines all fit the line limit.
    const pad = (n: number) => {
      let left = n - new TextEncoder().encode(base).length;
      const lines: string[] = [];
      while (left > 0) {
        const len = Math.min(1024, left);
        lines.push(`#${'x'.repeat(len - 2)}\n`);
        left -= len;
      }
      return base + lines.join('');
    };
    const atLimit = pad(MAX_CONFIG_BYTES);
    expect(new TextEncoder().encode(atLimit).length).toBe(MAX_CONFIG_BYTES);
    const ok = await putConfig('big-b', atLimit);
    expect(ok.status, await ok.clone().text()).toBe(201);

    const over = await putConfig('big-b', pad(MAX_CONFIG_BYTES + 1));
    expect(over.status).toBe(413);
    const body = (await over.json()) as { code: string; message: string };
    expect(body.code).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect(body.message).toContain(String(MAX_CONFIG_BYTES));

    const still = await api('/v1/clusters/big-b/config');
    expect(still.headers.get('ETag')).toBe(ok.headers.get('ETag'));
  });

  it('stores text in parts that join back exactly and never split a surrogate pair', () => {
    const text = 'ab\u{1F600}cd\u{1F600}'.repeat(3);
    const parts = splitText(text, 3);
    expect(parts.join('')).toBe(text);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(3);
    for (const p of parts) expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(p), p).toBe(false);
  });
});
