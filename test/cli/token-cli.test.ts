import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authenticate, parseTokenRecords } from '../../core/auth/token-records.ts';

const ROOT = join(import.meta.dirname, '../..');

const dir = mkdtempSync(join(tmpdir(), 'vigil-token-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real `vigil token …`, as an operator would. */
function vigilToken(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), 'token', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const tokenNew = (...args: string[]) => vigilToken('new', ...args);

/** The token (stdout) and the record (stderr) it printed, the record read as the Worker reads VIGIL_TOKENS. */
function minted(...args: string[]) {
  const r = tokenNew(...args);
  expect(r.code, r.err).toBe(0);
  const json = /(\{.*\})\s*$/.exec(r.err)?.[1];
  expect(json, r.err).toBeDefined();
  const [record] = parseTokenRecords(`[${json}]`);
  return { token: r.out.trim(), record: record! };
}

describe('vigil token new', () => {
  it('binds a prober token to its cluster and vantage point, and the Worker accepts it there only', () => {
    const { token, record } = minted('--scope', 'prober', '--cluster', 'prod', '--vantage', 'dc1');
    expect(token).toMatch(/^vgl_prober_/);
    expect(record).toMatchObject({ scope: 'prober', cluster: 'prod', vantagePoint: 'dc1' });
    expect(record.director).toBeUndefined();
    expect(JSON.stringify(record)).not.toContain(token.slice(11));
    expect(authenticate(token, [record], { scopes: ['prober'], cluster: 'prod' })).toMatchObject({ ok: true });
    expect(authenticate(token, [record], { scopes: ['prober'], cluster: 'staging' })).toMatchObject({ ok: false, code: 'ERR_FORBIDDEN' });
  });

  it('binds a shim token to a director with --director, and makes a read-only shim token without it', () => {
    expect(minted('--scope', 'shim', '--cluster', 'prod', '--director', 'lb1', '--id', 'lb1-2027').record).toMatchObject({ id: 'lb1-2027', scope: 'shim', cluster: 'prod', director: 'lb1' });
    expect(minted('--scope', 'shim', '--cluster', 'prod').record.director).toBeUndefined();
  });

  it('makes a viewer token for one cluster, which reads (verdicts, votes, events) and does nothing else', () => {
    const { token, record } = minted('--scope', 'viewer', '--cluster', 'prod');
    expect(token).toMatch(/^vgl_viewer_/);
    expect(record).toMatchObject({ scope: 'viewer', cluster: 'prod' });
    expect(authenticate(token, [record], { scopes: ['shim', 'viewer'], cluster: 'prod' })).toMatchObject({ ok: true });
    expect(authenticate(token, [record], { scopes: ['shim'], cluster: 'prod' })).toMatchObject({ ok: false, code: 'ERR_FORBIDDEN' });
    expect(tokenNew('--scope', 'viewer', '--cluster', '*').err).toMatch(/--cluster: a viewer token names one cluster/);
  });

  it('makes an admin token for every cluster with --cluster "*"', () => {
    expect(minted('--scope', 'admin', '--cluster', '*').record).toMatchObject({ scope: 'admin', cluster: '*' });
  });

  it('refuses, printing no token, a prober without --vantage, "*" for a non-admin token, a missing --cluster, and a binding of another scope', () => {
    const cases: [string[], RegExp][] = [
      [['--scope', 'prober', '--cluster', 'prod'], /--vantage: a prober token names the vantage point/],
      [['--scope', 'prober', '--cluster', '*', '--vantage', 'dc1'], /--cluster: .*admin tokens only/],
      [['--scope', 'shim', '--cluster', '*', '--director', 'lb1'], /--cluster: .*admin tokens only/],
      [['--scope', 'shim'], /required option '--cluster <name>'/],
      [['--scope', 'admin', '--cluster', 'prod', '--director', 'lb1'], /--director: an admin token names no director/],
      [['--scope', 'shim', '--cluster', 'prod', '--vantage', 'dc1'], /--vantage: a shim token names no vantage point/],
      [['--scope', 'root', '--cluster', 'prod'], /--scope is admin, prober, shim or viewer/],
    ];
    for (const [args, why] of cases) {
      const r = tokenNew(...args);
      expect(r.code, args.join(' ')).toBe(64);
      expect(r.err, args.join(' ')).toMatch(why);
      expect(r.out, args.join(' ')).toBe('');
    }
  });
});

describe('vigil token check', () => {
  it('reads a VIGIL_TOKENS file as the Worker will, and names a record from before tokens were scoped', () => {
    const records = [minted('--scope', 'admin', '--cluster', '*', '--id', 'root').record, minted('--scope', 'shim', '--cluster', 'prod', '--director', 'lb1', '--id', 'lb1').record];
    const good = join(dir, 'tokens.json');
    writeFileSync(good, JSON.stringify(records));
    const ok = vigilToken('check', good);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toBe('root: admin on every cluster\nlb1: shim on cluster prod, heartbeats as lb1\n');
    const old = join(dir, 'old-tokens.json');
    writeFileSync(old, JSON.stringify([...records, { id: 'prober-dc1', scope: 'prober', hash: records[0]!.hash, vantagePoint: 'dc1' }]));
    const bad = vigilToken('check', old);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/record "prober-dc1": cluster: .*add "cluster"/);
  });
});
