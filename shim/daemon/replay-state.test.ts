import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadReplay, REPLAY_FILE, saveReplay } from './replay-state.ts';

describe('replay state: the last applied sequence per key id, kept across restarts', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'vigil-replay-')));

  it('what is saved is read back; no temporary file is left; a missing file is a start from 0', () => {
    fresh();
    expect(loadReplay(dir, 'c1')).toEqual({ ok: true, from: 'none', state: { v: 1, cluster: 'c1', seqByKey: {} } });
    saveReplay(dir, { v: 1, cluster: 'c1', seqByKey: { old: 40, new: 7 }, last: { keyId: 'new', seq: 7, atMs: 1 } });
    expect(loadReplay(dir, 'c1')).toMatchObject({ ok: true, from: 'file', state: { seqByKey: { old: 40, new: 7 }, last: { keyId: 'new', seq: 7 } } });
    expect(existsSync(join(dir, `${REPLAY_FILE}.tmp`))).toBe(false);
    expect(readFileSync(join(dir, REPLAY_FILE), 'utf8').endsWith('\n')).toBe(true);
  });

  it.each([
    ['not JSON', '{"v":1,', 'corrupt', /not JSON/],
    ['a field of the wrong type, named', '{"v":1,"cluster":"c1","seqByKey":{"k":-1}}', 'corrupt', /seqByKey\.k/],
    ['another version', '{"v":2,"cluster":"c1","seqByKey":{}}', 'corrupt', /v:/],
    ['too large', `{"v":1,"cluster":"c1","seqByKey":{},"pad":"${'x'.repeat(70_000)}"}`, 'corrupt', /bytes, more than/],
    ['another cluster', '{"v":1,"cluster":"c2","seqByKey":{"k":9}}', 'other_cluster', /cluster c2/],
  ])('%s: reported with its reason, and the start is from 0', (_name, text, reason, detail) => {
    fresh();
    writeFileSync(join(dir, REPLAY_FILE), text);
    const r = loadReplay(dir, 'c1');
    expect(r).toMatchObject({ ok: false, reason, state: { v: 1, cluster: 'c1', seqByKey: {} } });
    expect(r.ok ? '' : r.detail).toMatch(detail);
  });
});
