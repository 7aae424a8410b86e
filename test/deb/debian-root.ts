import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './deb-build.ts';

/**
 * A fresh Debian 12 root made by `debootstrap --variant=minbase bookworm` (no Node.js),
 * for installing the package as an operator would. The debootstrap runs once and is kept
 * as a tarball in .cache/debootstrap (gitignored); each test extracts its own copy.
 * Every command runs through `unshare --mount` with /proc mounted inside that private
 * mount namespace, so nothing stays mounted when the command ends, pass or fail, and
 * removing the copy cannot reach through a mount into the host.
 */
const CACHE = join(REPO, '.cache/debootstrap');
const TARBALL = join(CACHE, 'bookworm-minbase.tar');
/** apt's downloads (iproute2 and what it pulls in), kept between runs. */
const ARCHIVES = join(CACHE, 'archives');

/** The Debian mirror this machine's apt uses (the same one debootstrap and apt in the root use). */
export function debianMirror(): string {
  const dir = '/etc/apt/sources.list.d';
  const texts = [existsSync('/etc/apt/sources.list') ? readFileSync('/etc/apt/sources.list', 'utf8') : ''];
  if (existsSync(dir)) for (const f of readdirSync(dir).filter((f) => /\.(sources|list)$/.test(f))) texts.push(readFileSync(join(dir, f), 'utf8'));
  for (const t of texts) {
    const deb822 = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(t);
    if (deb822) return deb822[1]!;
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+bookworm\b/m.exec(t);
    if (oneLine) return oneLine[1]!;
  }
  return 'http://deb.debian.org/debian';
}

export interface CommandResult {
  code: number | null;
  out: string;
  err: string;
}

/** Why the Debian root cannot be had here, or null once its tarball is cached. */
export function prepareRootTarball(): string | null {
  if (existsSync(TARBALL)) return null;
  if (process.getuid?.() !== 0) return 'debootstrap and chroot need root';
  if (spawnSync('debootstrap', ['--version'], { timeout: 10_000 }).error) return "debootstrap is not installed (infra/install-test-deps.sh installs Debian's debootstrap)";
  const mirror = debianMirror();
  mkdirSync(CACHE, { recursive: true });
  const work = join(CACHE, `partial-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  const r = spawnSync('debootstrap', ['--variant=minbase', 'bookworm', work, mirror], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) {
    rmSync(work, { recursive: true, force: true });
    const log = `${r.stdout}\n${r.stderr}`;
    // The only reason to skip: Debian's packages cannot be reached from here.
    if (/Failed getting release file|Couldn't download|Temporary failure resolving|Could not resolve|Connection refused|Network is unreachable/i.test(log)) {
      return `Debian's mirror ${mirror} cannot be reached: ${log.trim().split('\n').slice(-2).join(' ').slice(0, 200)}`;
    }
    throw new Error(`debootstrap --variant=minbase bookworm failed (exit ${r.status ?? r.signal}):\n${log.slice(-3000)}`);
  }
  const tar = spawnSync('tar', ['-C', work, '--numeric-owner', '-cf', `${TARBALL}.partial`, '.'], { encoding: 'utf8', timeout: 300_000 });
  rmSync(work, { recursive: true, force: true });
  if (tar.status !== 0) throw new Error(`tar of the debootstrap root failed: ${tar.stderr}`);
  renameSync(`${TARBALL}.partial`, TARBALL);
  return null;
}

export interface DebianRoot {
  readonly dir: string;
  /** Runs an argument list inside the root (chroot), /proc mounted, with a deadline. */
  run(argv: readonly string[], o?: { timeoutMs?: number; env?: Record<string, string> }): Promise<CommandResult>;
  /** Like run, but fails naming the command and its output when it exits non-zero. */
  ok(argv: readonly string[], o?: { timeoutMs?: number; env?: Record<string, string> }): Promise<string>;
  /** Copies a host file into the root; returns its path inside the root. */
  put(hostPath: string, inside: string): string;
  remove(): void;
}

const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive', HOME: '/root' };

/** A fresh copy of the cached root (prepareRootTarball first). */
export function debianRoot(prefix: string): DebianRoot {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-${process.pid}-`));
  const x = spawnSync('tar', ['-C', dir, '--numeric-owner', '-xf', TARBALL], { encoding: 'utf8', timeout: 300_000 });
  if (x.status !== 0) throw new Error(`extracting ${TARBALL}: ${x.stderr}`);
  copyFileSync('/etc/resolv.conf', join(dir, 'etc/resolv.conf'));
  mkdirSync(ARCHIVES, { recursive: true });
  const run = (argv: readonly string[], o: { timeoutMs?: number; env?: Record<string, string> } = {}) =>
    new Promise<CommandResult>((resolve) => {
      const script = 'set -e; mount -t proc proc "$R/proc"; mount --bind "$A" "$R/var/cache/apt/archives"; exec chroot "$R" "$@"';
      execFile(
        'unshare',
        ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...argv],
        { env: { ...ENV, ...o.env, R: dir, A: ARCHIVES }, timeout: o.timeoutMs ?? 120_000, killSignal: 'SIGKILL', maxBuffer: 32 << 20, encoding: 'utf8' },
        (err, out, errOut) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, out, err: errOut + (err?.killed ? `\n(killed at the deadline of ${o.timeoutMs ?? 120_000} ms)` : '') }),
      );
    });
  return {
    dir,
    run,
    async ok(argv, o) {
      const r = await run(argv, o);
      if (r.code !== 0) throw new Error(`in the Debian root: ${argv.join(' ')} exited ${r.code}\n${r.out}\n${r.err}`.slice(0, 6000));
      return r.out;
    },
    put(hostPath, inside) {
      copyFileSync(hostPath, join(dir, inside));
      return inside;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
