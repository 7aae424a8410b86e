import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import { verdictFor } from './snapshots.ts';
import { ShimRig } from './shim-rig.ts';

/**
 * The snapshot consumer of a real `vigil shim` against a Board that
 * misbehaves between good snapshots, on each transport: a malformed frame, a
 * wrongly signed one, a restart, a connection dropped mid-frame. After each
 * the next good snapshot is applied, and /metrics has counted what happened.
 */
describe.each([
  { transport: 'websocket', websocket: true },
  { transport: 'long-poll', websocket: false },
] as const)('vigil shim over $transport: the snapshot consumer survives a misbehaving Board', ({ transport, websocket }) => {
  let rig: ShimRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('after a malformed frame, a forged frame, a Board restart and a mid-frame drop, the next good snapshot applies and each is counted', async () => {
    rig = await new ShimRig().init();
    const r = rig;
    r.board.websocket = websocket;
    await r.publish([]);
    const shim = r.start();
    await r.tableIs('every real server in the table', r.desired([]));
    await r.metricAtLeast(`the shim on ${transport}`, 'vigil_shim_board_connected', { transport }, 1);
    const rejected = (reason: string) => r.metric('vigil_shim_snapshots_rejected_total', { reason });
    const faults = (reason: string) => r.metric('vigil_shim_faults_total', { where: 'board', reason });
    /** The next good snapshot, with `down` down, reaches the table. */
    const nextApplies = async (what: string, down: string[]) => {
      await r.publish(down);
      await r.tableIs(`the good snapshot after ${what} applied (${down.join(', ') || 'none'} down)`, r.desired(down));
    };

    // A malformed frame: over the socket, text that is no message at all; over long-poll, a body that is no snapshot (signed by the right key).
    const malformedReason = websocket ? 'bad_message' : 'malformed';
    const malformedBefore = await rejected(malformedReason);
    if (websocket) r.board.pushText('{"type":"snapshot", this is not JSON');
    else {
      const body = new TextEncoder().encode('{"not":"a snapshot"}');
      r.board.offer(body, await r.board.signBytes(body), r.board.seq + 1);
    }
    await r.metricAtLeast('the malformed frame counted', 'vigil_shim_snapshots_rejected_total', { reason: malformedReason }, malformedBefore + 1);
    await nextApplies('a malformed frame', ['192.168.1.1']);

    // A frame signed by a key the shim does not trust, under the Board's key id.
    const now = Date.now();
    const base: Snapshot = { v: 1, cluster: 'c1', seq: r.board.seq + 1, configVersion: 1, issuedAtMs: now, expiresAtMs: now + 60_000, virtualServers: verdictFor(r.config, []) };
    const forged = await r.board.forge(base);
    const forgedBefore = await rejected('bad_signature');
    r.board.offer(forged.body, forged.signature, base.seq);
    await r.metricAtLeast('the forged frame counted', 'vigil_shim_snapshots_rejected_total', { reason: 'bad_signature' }, forgedBefore + 1);
    expect(r.table(), 'a forged snapshot changes nothing').toBe(r.desired(['192.168.1.1']));
    await nextApplies('a forged frame', ['192.168.1.2']);

    // The Board restarts on the same port (its sequence goes on, as the real Board's storage keeps it).
    const lostReason = websocket ? 'connection_lost' : 'long_poll_failed';
    const restartBefore = await faults(lostReason);
    await r.board.stop();
    await r.metricAtLeast('the lost Board counted', 'vigil_shim_faults_total', { where: 'board', reason: lostReason }, restartBefore + 1);
    await r.board.start();
    await nextApplies('a Board restart', ['192.168.1.3']);

    // The connection drops halfway through a frame.
    const cutBefore = await faults(lostReason);
    if (websocket) {
      r.board.cutNext = true;
      r.board.dropSockets();
    } else r.board.cutPollNext = true;
    if (!websocket) await r.publish(['192.168.1.1', '192.168.1.2']);
    await r.metricAtLeast('the mid-frame drop counted', 'vigil_shim_faults_total', { where: 'board', reason: lostReason }, cutBefore + (websocket ? 2 : 1));
    expect(websocket ? r.board.cutNext : r.board.cutPollNext, 'the cut frame was served').toBe(false);
    await nextApplies('a mid-frame drop', ['192.168.1.1', '192.168.1.3']);

    expect(await r.metric('vigil_shim_faults_total', { where: 'snapshot', reason: 'verify_threw' })).toBe(0);
    expect(r.unhandled()).toEqual([]);
    expect(shim.hasExited()).toBe(false);
  });
});
