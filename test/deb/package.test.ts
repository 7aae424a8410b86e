import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { BASE_VERSION, buildDeb, cachedDeb, REPO } from './deb-build.ts';

// The package as built by `npm run package:deb`, looked at from outside: its bytes, what
// lintian says, its files and modes, its man page, and its units' exposure scores.
const missing = ['dpkg-deb', 'lintian', 'systemd-analyze', 'strip', 'dpkg-shlibdeps'].filter((t) => spawnSync(t, ['--version'], { timeout: 20_000 }).error);
const why = missing.length ? `${missing.join(', ')} not installed (infra/install-test-deps.sh installs dpkg-dev, lintian, binutils and systemd)` : null;

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });

describe.skipIf(!!why)(skipTitle('the Debian package', why), () => {
  let deb = '';
  let files: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), `vigil-deb-${process.pid}-`));
  const extracted = join(scratch, 'root');
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  beforeAll(async () => {
    deb = await cachedDeb();
    files = sh('dpkg-deb', ['-c', deb]).trim().split('\n');
    sh('dpkg-deb', ['-x', deb, extracted]);
  }, 900_000);

  it('is named vigil_<version>_amd64.deb and built twice gives the same bytes', async () => {
    expect(deb).toMatch(new RegExp(`/vigil_${BASE_VERSION.replace(/[.+~]/g, '\\$&')}_amd64\\.deb$`));
    const again = await buildDeb(join(scratch, 'again'));
    expect(sha256(again), 'a second build of the same checkout differs: the package is not reproducible').toBe(sha256(deb));
  }, 900_000);

  it('has no lintian errors or warnings beyond those its overrides file gives a reason for', () => {
    const r = spawnSync('lintian', ['--info', '--tag-display-limit', '0', deb], { encoding: 'utf8', timeout: 600_000 });
    const tags = r.stdout.split('\n').filter((l) => /^[EW]: /.test(l) || /unused-override|mismatched-override/.test(l));
    expect(tags, 'lintian complains').toEqual([]);
    const overrides = readFileSync(join(REPO, 'infra/deb/lintian-overrides'), 'utf8').split('\n');
    overrides.forEach((line, i) => {
      if (line.startsWith('vigil:')) expect(overrides[i - 1], `override "${line}" has no reason on the line above`).toMatch(/^# \S/);
    });
  }, 600_000);

  it('carries the runtime, the bundle and the addons under /usr/lib/vigil, and nothing of the dev tree', () => {
    const paths = files.map((l) => l.split(/\s+/).slice(5).join(' '));
    for (const p of ['./usr/bin/vigil', './usr/lib/vigil/node', './usr/lib/vigil/bin/vigil.mjs', './usr/lib/vigil/dist/cli/main.mjs', './usr/lib/vigil/native/vrrp-socket/build/Release/vrrp_socket.node', './usr/lib/vigil/native/vrrp-socket/build/Release/ipvs_netlink.node', './usr/lib/vigil/native/vrrp-socket/build/Release/rtnetlink.node', './usr/lib/vigil/native/vrrp-socket/rtnetlink.cjs', './lib/systemd/system/vigil-shim.service', './lib/systemd/system/vigil-probe.service', './lib/systemd/system/vigil-realserver.service', './usr/lib/sysusers.d/vigil.conf', './usr/lib/modules-load.d/vigil-ipvs.conf', './etc/default/vigil-shim', './etc/default/vigil-probe', './etc/default/vigil-realserver', './usr/share/man/man8/vigil.8.gz', './usr/share/doc/vigil/copyright', './usr/share/doc/vigil/changelog.Debian.gz']) {
      expect(paths, `the package lacks ${p}`).toContain(p);
    }
    expect(paths.filter((p) => /\.ts$|\/tsx\/|node_modules\/(?!vrrp-socket\b|$)/.test(p)), 'dev-tree files in the package').toEqual([]);
    expect(files.filter((l) => !l.includes(' root/root ')), 'files not owned by root:root').toEqual([]);
    expect(files.find((l) => l.endsWith(' ./etc/vigil/'))).toMatch(/^drwxr-x--- /);
    expect(readFileSync(join(extracted, 'usr/lib/modules-load.d/vigil-ipvs.conf'), 'utf8')).toMatch(/^ip_vs$/m);
  });

  it('keeps /etc/default/vigil-shim, vigil-probe and vigil-realserver as conffiles and depends on no nodejs', () => {
    const ctl = join(scratch, 'control');
    sh('dpkg-deb', ['-e', deb, ctl]);
    expect(readFileSync(join(ctl, 'conffiles'), 'utf8').trim().split('\n').sort()).toEqual(['/etc/default/vigil-probe', '/etc/default/vigil-realserver', '/etc/default/vigil-shim']);
    const depends = sh('dpkg-deb', ['-f', deb, 'Depends']).trim();
    expect(depends).toMatch(/\blibc6\b/);
    expect(depends).not.toMatch(/nodejs/);
  });

  it('has a vigil(8) that names every command and every flag the CLI prints in its help', () => {
    const page = gunzipSync(readFileSync(join(extracted, 'usr/share/man/man8/vigil.8.gz'))).toString().replace(/\\-/g, '-').replace(/\\f[BIR]/g, '');
    const node = join(extracted, 'usr/lib/vigil/node');
    const cli = join(extracted, 'usr/lib/vigil/bin/vigil.mjs');
    const help = (args: string[]) => sh(node, [cli, ...args, '--help']);
    const seen: string[] = [];
    const visit = (path: string[]) => {
      const text = help(path);
      for (const flag of text.match(/(?<=^ {2}|, )--?[a-zA-Z][\w-]*/gm) ?? []) {
        expect(page, `vigil(8) does not mention ${path.join(' ')} ${flag}`).toContain(flag);
      }
      const cmds = /\nCommands:\n([\s\S]*?)(?:\n\n|$)/.exec(text)?.[1] ?? '';
      for (const m of cmds.matchAll(/^ {2}([a-z][\w-]*)/gm)) {
        if (m[1] === 'help') continue;
        expect(page, `vigil(8) has no section for vigil ${[...path, m[1]].join(' ')}`).toContain(`vigil ${[...path, m[1]].join(' ')}`);
        seen.push(m[1]!);
        visit([...path, m[1]!]);
      }
    };
    visit([]);
    expect(seen).toEqual(expect.arrayContaining(['check-config', 'genhash', 'shim', 'probe', 'token', 'new', 'check', 'realserver', 'setup']));
  }, 120_000);

  it('has hardened units: exposure at most 1.8 for the shim (VRRP and IPVS need the rest) and the real server set-up, lower for the prober', () => {
    const exposure = (unit: string) => {
      const r = spawnSync('systemd-analyze', ['security', '--offline=true', `--root=${extracted}`, unit], { encoding: 'utf8', timeout: 60_000 });
      const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.stdout + r.stderr);
      if (!m) throw new Error(`systemd-analyze security ${unit} printed no exposure level:\n${r.stdout}${r.stderr}`);
      return Number(m[1]);
    };
    const shim = exposure('vigil-shim.service');
    const probe = exposure('vigil-probe.service');
    const realserver = exposure('vigil-realserver.service');
    console.log(`systemd-analyze security --offline=true: vigil-shim.service ${shim}, vigil-probe.service ${probe}, vigil-realserver.service ${realserver}`);
    // Root with CAP_NET_ADMIN, the host's network and writable net sysctls: what setting up a real server is.
    expect(realserver).toBeLessThanOrEqual(1.8);
    expect(shim).toBeLessThanOrEqual(1.8);
    expect(probe).toBeLessThan(shim);
    expect(probe).toBeLessThanOrEqual(1.1);
  });
});
