import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import { MAX_FRAME_BYTES } from '../../shim/daemon/frame-limit.ts';
import { spawnDaemon, type Daemon } from '../helpers/daemon.ts';
import { TestBoard } from './test-board.ts';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'vigil-frame-limit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VSS: Snapshot['virtualServers'] = [{ key: 'tcp/192.0.2.1:80', quorumUp: true, aliveWeight: 1, realServers: [] }];
const HOSTILE_BYTES = 300 * 1024 * 1024;
/** A shim following a Board idles well under this; a 300 MB frame buffered whole would not. */
const PEAK_RSS_BOUND_BYTES = 250 * 1024 * 1024;

/** The process's peak resident set (VmHWM), from the kernel. */
const peakRssBytes = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

describe('the real vigil shim against a Board stand-in that sends an oversized frame', () => {
  let board: TestBoard | undefined;
  let shim: Daemon | undefined;
  afterEach(async () => {
    await shim?.stop();
    await board?.stop();
  });

  it('hangs up at the frame header, counts it as too_large, keeps its peak RSS bounded and, reconnected, applies the snapshot the Board serves', async () => {
    board = await new TestBoard({ cluster: 'c1', token: 'vgl_shim_test' }).init();
    await board.start();
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, 'virtual_server 192.0.2.1 80 {\n  protocol TCP\n  real_server 192.0.2.10 80 {\n    TCP_CHECK {\n    }\n  }\n}\n');
    const key = join(dir, 'board-key.json');
    writeFileSync(key, JSON.stringify(await board.jwk()));
    const token = join(dir, 'token');
    writeFileSync(token, 'vgl_shim_test\n', { mode: 0o600 });
    await board.publish(VSS);
    board.oversizeNext = HOSTILE_BYTES;
    shim = spawnDaemon(process.execPath, [join(ROOT, 'bin/vigil.js'), 'shim', '--config', conf, '--board', board.url(), '--cluster', 'c1', '--token-file', token, '--board-key', key, '--ipvs-backend', 'dry-run', '--board-backoff-max', '1', '--state-dir', join(dir, 'state')], {
      env: { ...process.env },
    });
    await shim.waitForLine('the oversized frame refused', /snapshot rejected.*too_large/, 20_000);
    expect(shim.output()).toContain(`${HOSTILE_BYTES} bytes; the limit is ${MAX_FRAME_BYTES}`);
    // It reconnects and follows the Board: its snapshot is applied.
    await shim.waitForLine('the shim following the Board', /ipvs mode.*"to":"board"/, 20_000);
    const peak = peakRssBytes(shim.pid);
    console.log(`vigil shim: peak RSS ${peak} bytes; ${board.oversizeSent} of ${HOSTILE_BYTES} bytes sent before it hung up`);
    expect(peak, `peak RSS ${peak} bytes while a ${HOSTILE_BYTES}-byte frame was offered`).toBeLessThan(PEAK_RSS_BOUND_BYTES);
    expect(board.oversizeSent, 'the shim hung up long before the frame ended').toBeLessThan(MAX_FRAME_BYTES);
  });
});
