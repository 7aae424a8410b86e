import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnDaemon } from '../helpers/daemon.ts';
import { within } from '../helpers/eventually.ts';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'vigil-bombs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The bounds issue #12 sets for a hostile file: the whole `vigil check-config` process. */
const DEADLINE_MS = 5000;
const MAX_RSS_MIB = 600;

/** Runs the real CLI on `text`; returns its output, wall time, and its own peak RSS and CPU. */
async function checkConfig(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  const t0 = performance.now();
  const d = spawnDaemon(process.execPath, ['--import', join(ROOT, 'test/helpers/report-usage.mjs'), join(ROOT, 'bin/vigil.js'), 'check-config', file], { cwd: dir });
  const code = await within(`vigil check-config ${name} to exit`, d.exited, DEADLINE_MS);
  const wallMs = performance.now() - t0;
  await d.stop();
  const m = /vigil-usage (\{.*\})/.exec(d.output());
  if (!m) throw new Error(`no usage line from the child:\n${d.output().slice(-2000)}`);
  return { code, wallMs, out: d.output(), ...(JSON.parse(m[1]!) as { maxRssMiB: number; cpuMs: number }) };
}

describe('vigil check-config on expansion bombs (issue #12)', () => {
  it('a ~SEQ nested in a ~SEQ (100 × 1,000,000 lines) stops at the inner generator in bounded time and memory', async () => {
    const r = await checkConfig('seq.conf', 'global_defs {\n  router_id x\n}\n~SEQ(a,1,100) ~SEQ(b,1,1000000)\n');
    console.log(`seq bomb: ${r.wallMs.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU, ${r.maxRssMiB.toFixed(0)} MiB peak RSS`);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/seq\.conf:4:15: error: configuration expands past 500,000 lines/);
    expect(r.wallMs).toBeLessThan(DEADLINE_MS);
    expect(r.maxRssMiB).toBeLessThan(MAX_RSS_MIB);
  });

  it('24 doubling parameters ($A1=$A0 $A0 …) stop at the reference whose line crosses the line limit, before the line is built', async () => {
    const defs = ['$A0=xxxxxxxxxxxxxxxx', ...Array.from({ length: 24 }, (_, i) => `$A${i + 1}=$A${i} $A${i}`)];
    const text = [...defs, 'global_defs {', '  router_id $A24', '}', ''].join('\n');
    expect(text.length).toBeLessThan(420);
    const r = await checkConfig('double.conf', text);
    console.log(`doubling bomb: ${r.wallMs.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU, ${r.maxRssMiB.toFixed(0)} MiB peak RSS`);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/double\.conf:27:13: error: a line expands past 65,536 bytes: stopped here/);
    // The fragment read before the stop says nothing more (no unclosed-block noise).
    expect(r.out.match(/error:/g)).toHaveLength(1);
    expect(r.wallMs).toBeLessThan(DEADLINE_MS);
    expect(r.maxRssMiB).toBeLessThan(MAX_RSS_MIB);
  });

  it('includes that fan out (each of 30 files includes the next twice) stop at the budget too', async () => {
    for (let i = 0; i < 30; i++) writeFileSync(join(dir, `fan${i}.conf`), i === 29 ? '$X=1\n' : `include fan${i + 1}.conf\ninclude fan${i + 1}.conf\n`);
    const r = await checkConfig('fan.conf', 'include fan0.conf\n');
    console.log(`include fan-out: ${r.wallMs.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU, ${r.maxRssMiB.toFixed(0)} MiB peak RSS`);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/fan\d+\.conf:\d+:1: error: configuration expands past 500,000 lines/);
    expect(r.wallMs).toBeLessThan(DEADLINE_MS);
    expect(r.maxRssMiB).toBeLessThan(MAX_RSS_MIB);
  });
});
