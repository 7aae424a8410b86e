/**
 * vrrp_track_process diagnostics line by line against keepalived -t: each
 * problem keepalived reports in track-process.conf, Vigil's check-config
 * reports as a warning on the same line, in keepalived's words (Vigil may add
 * a reason after them).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepalivedTest, keepalivedTestMissing, PARITY } from '../helpers/parity-fixtures.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { vigilCli } from '../helpers/vigil-cli.ts';

const { vigil } = vigilCli('vigil-tp-parity-');
const missing = keepalivedTestMissing();

describe.skipIf(missing !== null)(skipTitle('track_process diagnostics against keepalived -t', missing), () => {
  it('track-process.conf: the same problems on the same lines, in the same words', () => {
    const file = join(PARITY, 'track-process.conf');
    const k = keepalivedTest(file);
    const v = vigil('check-config', file);
    // keepalived: "(FILE: Line N) message"; vigil: "FILE:N:COL: warning: message".
    const theirs = [...k.err.matchAll(/^\(.*?: Line (\d+)\) (.*)$/gm)].map((m) => ({ line: Number(m[1]), message: m[2]!.trim() }));
    const ours = [...v.err.matchAll(/^.*?:(\d+):\d+: warning: (.*)$/gm)].map((m) => ({ line: Number(m[1]), message: m[2]! }));
    expect(theirs.length, k.err).toBeGreaterThan(5);
    const unmatched = theirs.filter((t) => !ours.some((o) => o.line === t.line && o.message.startsWith(t.message.replace(/ - ignoring$|, ignoring\.\.\.$/, ''))));
    expect(unmatched, `keepalived said:\n${k.err}\nvigil said:\n${v.err}`).toEqual([]);
    expect(ours.length, v.err).toBe(theirs.length);
  });
});
