import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const REPO = join(import.meta.dirname, '../..');
const CACHE = join(REPO, '.cache/deb');
const execFileP = promisify(execFile);

/** The package version infra/deb/changelog names first (what `npm run package:deb` builds). */
export const BASE_VERSION = /^vigil \(([^)]+)\)/.exec(readFileSync(join(REPO, 'infra/deb/changelog'), 'utf8'))![1]!;

export interface DebOptions {
  version?: string;
  compress?: 'xz' | 'gzip';
  /** Compression level; the tests build at 1 (xz 6, the release default, spends a minute or more of CPU on the runtime alone). */
  level?: number;
}

/** `npm run package:deb`'s two steps: the bundle, then infra/deb/build.mjs into `out`. Returns the .deb's path. */
export async function buildDeb(out: string, o: DebOptions = {}): Promise<string> {
  await execFileP(process.execPath, [join(REPO, 'infra/build/bundle.mjs')], { cwd: REPO, timeout: 120_000 });
  return packOnly(out, o);
}

async function packOnly(out: string, o: DebOptions): Promise<string> {
  mkdirSync(out, { recursive: true });
  const args = [join(REPO, 'infra/deb/build.mjs'), '--out', out];
  if (o.version) args.push('--version', o.version);
  if (o.compress) args.push('--compress', o.compress);
  args.push('--level', String(o.level ?? 1));
  await execFileP(process.execPath, args, { cwd: REPO, timeout: 600_000, maxBuffer: 16 << 20 });
  const deb = readdirSync(out).find((f) => f.startsWith(`vigil_${o.version ?? BASE_VERSION}_`) && f.endsWith('.deb'));
  if (!deb) throw new Error(`infra/deb/build.mjs wrote no vigil_${o.version ?? BASE_VERSION}_*.deb in ${out}`);
  return join(out, deb);
}

/** Everything the package is made of, as one hash: the same inputs give the same .deb (which package.test.ts checks). */
function inputsHash(o: DebOptions): string {
  const h = createHash('sha256');
  const add = (dir: string, filter: (f: string) => boolean = () => true) => {
    for (const f of readdirSync(dir).filter(filter).sort()) {
      h.update(`${dir}/${f}\0`);
      h.update(readFileSync(join(dir, f)));
    }
  };
  add(join(REPO, 'dist/cli'));
  add(join(REPO, 'infra/deb'));
  add(join(REPO, 'infra/systemd'));
  add(join(REPO, 'native/vrrp-socket'), (f) => f.endsWith('.cjs'));
  add(join(REPO, 'native/vrrp-socket/build/Release'), (f) => f.endsWith('.node'));
  h.update(readFileSync(process.execPath));
  h.update(JSON.stringify([o.version ?? BASE_VERSION, o.compress ?? 'xz', o.level ?? 1, process.env.SOURCE_DATE_EPOCH ?? '']));
  return h.digest('hex').slice(0, 16);
}

/**
 * A package built from the checkout as it is now, kept in .cache/deb under a hash of
 * its inputs so the test files that install it do not each spend minutes compressing
 * the same bytes. The commit time is an input (it sets every mtime), so a new commit
 * builds anew.
 */
export async function cachedDeb(o: DebOptions = {}): Promise<string> {
  await execFileP(process.execPath, [join(REPO, 'infra/build/bundle.mjs')], { cwd: REPO, timeout: 120_000 });
  const { stdout } = await execFileP('git', ['log', '-1', '--format=%ct'], { cwd: REPO, timeout: 10_000 });
  const key = `${inputsHash(o)}-${stdout.trim()}`;
  const dir = join(CACHE, key);
  const hit = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.deb')) : undefined;
  if (hit) return join(dir, hit);
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const deb = await packOnly(tmp, o);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  // Each commit makes a new key: keep the newest few (the base version and the upgrade's, and the last commit's).
  const old = readdirSync(CACHE).filter((f) => !f.includes('.partial-')).map((f) => ({ f, t: statSync(join(CACHE, f)).mtimeMs })).sort((a, b) => b.t - a.t).slice(4);
  for (const { f } of old) rmSync(join(CACHE, f), { recursive: true, force: true });
  return join(dir, deb.slice(tmp.length + 1));
}
