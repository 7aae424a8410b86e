import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importPublicJwk, type Snapshot } from '../../core/vote/snapshot.ts';
import { BoardSubscriber } from '../../shim/daemon/board-subscriber.ts';
import { MAX_FRAME_BYTES } from '../../shim/daemon/frame-limit.ts';
import { eventually } from '../helpers/eventually.ts';
import { TestBoard } from './test-board.ts';
import { peakRss } from '../helpers/samplers.ts';

const VSS: Snapshot['virtualServers'] = [{ key: 'tcp/10.0.0.1:80', quorumUp: true, aliveWeight: 1, realServers: [] }];

describe('Board subscriber: WebSocket, long-poll fallback, verification', () => {
  let board: TestBoard;
  /** The test's subscriber, stopped when the test ends. */
  let running: BoardSubscriber | undefined;
  let got: Snapshot[];
  let logs: Array<{ msg: string } & Record<string, unknown>>;

  async function subscribe(over: Partial<ConstructorParameters<typeof BoardSubscriber>[0]> = {}) {
    const jwk = await board.jwk();
    const created = new BoardSubscriber({
      url: board.url(),
      cluster: 'c1',
      token: 'shim-token',
      keys: new Map([[jwk.kid, await importPublicJwk(jwk)]]),
      log: (msg, f) => logs.push({ msg, ...f }),
      onSnapshot: (s) => got.push(s),
      backoffBaseMs: 50,
      backoffMaxMs: 200,
      pollWaitS: 1,
      ...over,
    });
    running = created;
    created.start();
    return created;
  }

  /** Waits until `n` snapshots were accepted; a timeout says what was accepted and refused by then. */
  async function accepted(n: number, timeoutMs: number): Promise<void> {
    await eventually(
      `${n} snapshot(s) accepted`,
      () => {
        if (got.length >= n) return true;
        throw new Error(`accepted seq [${got.map((x) => x.seq).join(', ')}], refused ${JSON.stringify(running?.stats.rejected)}, transport ${running?.stats.transport}, errors ${running?.stats.errors}`);
      },
      { timeoutMs },
    );
  }

  beforeEach(async () => {
    board = await new TestBoard({ cluster: 'c1', token: 'shim-token' }).init();
    await board.start();
    got = [];
    logs = [];
    running = undefined;
  });
  afterEach(async () => {
    await running?.stop();
    await board.stop();
  });

  it('takes pushed snapshots over the WebSocket, in order', async () => {
    await board.publish(VSS);
    const sub = await subscribe();
    await accepted(1, 5000);
    await board.publish(VSS);
    await accepted(2, 5000);
    expect(got.map((s) => s.seq)).toEqual([1, 2]);
    expect(sub.stats.transport).toBe('websocket');
  });

  it('forged, replayed, expired and wrong-cluster snapshots are refused, counted and logged; the next good one still lands', async () => {
    const first = await board.publish(VSS);
    const sub = await subscribe();
    await accepted(1, 5000);
    const now = Date.now();
    const base: Snapshot = { v: 1, cluster: 'c1', seq: 50, configVersion: 1, issuedAtMs: now, expiresAtMs: now + 60_000, virtualServers: VSS };
    const forged = await board.forge(base);
    board.pushRaw(forged.body, forged.signature, 50);
    board.pushRaw(first.body, first.signature, 1); // replay of seq 1
    const expired = await board.sign({ ...base, seq: 51, issuedAtMs: now - 120_000, expiresAtMs: now - 60_000 });
    board.pushRaw(expired.body, expired.signature, 51);
    const other = await board.sign({ ...base, seq: 52, cluster: 'c2' });
    board.pushRaw(other.body, other.signature, 52);
    board.pushRaw(first.body, 'keyid=test-board-1, ed25519=AAAA', 1);
    await eventually(
      'five refusals counted',
      () => {
        if (Object.values(sub.stats.rejected).reduce((a, b) => a + (b ?? 0), 0) >= 5) return true;
        throw new Error(`refused ${JSON.stringify(sub.stats.rejected)}`);
      },
      { timeoutMs: 5000 },
    );
    expect(sub.stats.rejected).toEqual({ bad_signature: 2, stale_sequence: 1, expired: 1, wrong_cluster: 1 });
    expect(logs.filter((l) => l.msg === 'snapshot rejected').map((l) => l.reason)).toEqual(['bad_signature', 'stale_sequence', 'expired', 'wrong_cluster', 'bad_signature']);
    expect(got.map((s) => s.seq)).toEqual([1]);
    await board.publish(VSS);
    await accepted(2, 5000);
    expect(got.map((s) => s.seq)).toEqual([1, 2]);
    // the token never reaches the logs
    expect(JSON.stringify(logs)).not.toContain('shim-token');
  });

  it('falls back to long-poll when the WebSocket is refused', async () => {
    board.websocket = false;
    await board.publish(VSS);
    const sub = await subscribe({ wsFailuresBeforePoll: 2 });
    await accepted(1, 8000);
    expect(sub.stats.transport).toBe('long-poll');
    expect(board.requests.some((r) => r.startsWith('GET /v1/clusters/c1/verdict?since=0'))).toBe(true);
    await board.publish(VSS);
    await accepted(2, 8000);
    expect(got.map((s) => s.seq)).toEqual([1, 2]);
  });

  it('reconnects with backoff after the Board goes away and comes back on the same port', async () => {
    await board.publish(VSS);
    const sub = await subscribe();
    await accepted(1, 5000);
    const errorsBefore = sub.stats.errors;
    await board.stop();
    // Proof it kept trying while the Board was away (two failed reconnects), not a pause.
    await eventually('two failed reconnects while the Board is away', () => sub.stats.errors >= errorsBefore + 2 || undefined, { timeoutMs: 5000 });
    expect(got.map((s) => s.seq)).toEqual([1]);
    await board.start();
    await board.publish(VSS);
    await accepted(2, 10_000);
    expect(got.map((s) => s.seq)).toEqual([1, 2]);
    expect(sub.stats.wsConnects + sub.stats.pollRequests).toBeGreaterThanOrEqual(2);
  });

  // peakRss (test/helpers/samplers.ts) measures this process: the subscriber runs in it.
  const HOSTILE_BYTES = 300 * 1024 * 1024;
  /**
   * A long-poll body is read up to the limit before it is dropped, and the stand-in Board writing it lives in
   * this process too: the limit plus 48 MiB of slack, far below the 300 MB offered.
   */
  const RSS_BOUND_BYTES = MAX_FRAME_BYTES + 48 * 1024 * 1024;

  it('a WebSocket frame over the limit is refused from its header, unread: memory stays bounded, the refusal is counted, and the next snapshot lands', async () => {
    await board.publish(VSS);
    board.oversizeNext = HOSTILE_BYTES;
    const { growthBytes } = await peakRss(async () => {
      const sub = await subscribe();
      await eventually('the oversized frame refused', () => (sub.stats.rejected.too_large ?? 0) >= 1 || undefined, { timeoutMs: 5000 });
      // After the refusal it reconnects and takes the Board's current snapshot.
      await accepted(1, 5000);
    });
    expect(running!.stats.rejected).toEqual({ too_large: 1 });
    expect(board.oversizeSent, 'the shim hung up long before the frame ended (what was sent sat in socket buffers)').toBeLessThan(MAX_FRAME_BYTES);
    console.log(`oversized WebSocket frame: RSS grew ${growthBytes} bytes, ${board.oversizeSent} of ${HOSTILE_BYTES} bytes sent before the shim hung up`);
    expect(growthBytes, `RSS grew by ${growthBytes} bytes while a ${HOSTILE_BYTES}-byte frame was offered`).toBeLessThan(RSS_BOUND_BYTES);
    const refusal = logs.find((l) => l.msg === 'snapshot rejected');
    expect(refusal).toMatchObject({ reason: 'too_large' });
    expect(String(refusal!.detail)).toContain(`${HOSTILE_BYTES} bytes; the limit is ${MAX_FRAME_BYTES}`);
    expect(running!.stats.wsConnects).toBeGreaterThanOrEqual(2);
    await board.publish(VSS);
    await accepted(2, 5000);
    expect(got.map((s) => s.seq)).toEqual([1, 2]);
  });

  it('a long-poll body over the limit (chunked, no length) is read no further, counted, and the next poll applies the next snapshot', async () => {
    board.websocket = false;
    await board.publish(VSS);
    board.oversizePollNext = HOSTILE_BYTES;
    const { growthBytes } = await peakRss(async () => {
      const sub = await subscribe({ wsFailuresBeforePoll: 1 });
      await eventually('the oversized body refused', () => (sub.stats.rejected.too_large ?? 0) >= 1 || undefined, { timeoutMs: 8000 });
      await accepted(1, 8000);
    });
    expect(running!.stats.rejected).toEqual({ too_large: 1 });
    expect(running!.stats.transport).toBe('long-poll');
    expect(board.oversizeSent).toBeLessThan(HOSTILE_BYTES);
    console.log(`oversized long-poll body: RSS grew ${growthBytes} bytes, ${board.oversizeSent} of ${HOSTILE_BYTES} bytes sent before the shim hung up`);
    expect(growthBytes, `RSS grew by ${growthBytes} bytes while a ${HOSTILE_BYTES}-byte body was offered`).toBeLessThan(RSS_BOUND_BYTES);
    await board.publish(VSS);
    await accepted(2, 8000);
    expect(got.map((s) => s.seq)).toEqual([1, 2]);
  });
});
