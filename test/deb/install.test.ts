import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { BASE_VERSION, cachedDeb, REPO } from './deb-build.ts';
import { debianRoot, prepareRootTarball, type DebianRoot } from './debian-root.ts';

// The package as an operator meets it: `apt install ./vigil_<version>_amd64.deb` on a
// plain Debian 12 (debootstrap --variant=minbase, no Node.js), then the commands, an
// upgrade to a newer build, and a purge, all from the installed files.
const tools = ['dpkg-deb', 'strip', 'dpkg-shlibdeps', 'unshare'].filter((t) => spawnSync(t, ['--version'], { timeout: 20_000 }).error);
const why = tools.length ? `${tools.join(', ')} not installed (infra/install-test-deps.sh)` : prepareRootTarball();
const SAMPLES = join(REPO, 'test/fixtures/keepalived-samples');
const NEXT_VERSION = BASE_VERSION.replace(/-(\d+)$/, (_, n: string) => `-${Number(n) + 1}`);

/** The checkout's own CLI, for what the installed one must match. */
function checkoutVigil(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/vigil.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!!why)(skipTitle('the package installed on a fresh Debian 12', why), () => {
  let root: DebianRoot;
  let first = '';
  let next = '';
  beforeAll(async () => {
    first = await cachedDeb();
    // Only the version differs; gzip keeps this second build quick.
    next = await cachedDeb({ version: NEXT_VERSION, compress: 'gzip' });
    root = debianRoot('vigil-deb-install');
    await root.ok(['apt-get', 'update', '-qq'], { timeoutMs: 300_000 });
  }, 1_500_000);
  afterAll(() => root?.remove());

  const vigil = (...args: string[]) => root.run(['vigil', ...args], { timeoutMs: 60_000 });

  it('installs with apt, its Depends from Debian, and leaves no Node.js in the root', async () => {
    const noNode = 'command -v node || command -v nodejs || exit 1';
    expect((await root.run(['sh', '-c', noNode])).code, 'the fresh root already has Node.js').not.toBe(0);
    root.put(first, 'tmp/vigil.deb');
    await root.ok(['apt-get', 'install', '-y', '-q', '--no-install-recommends', '/tmp/vigil.deb'], { timeoutMs: 600_000 });
    expect(await root.ok(['dpkg-query', '-W', '-f', '${Version} ${Status}', 'vigil'])).toBe(`${BASE_VERSION} install ok installed`);
    expect((await root.run(['sh', '-c', noNode])).code, 'installing vigil brought Node.js in').not.toBe(0);
  }, 600_000);

  it('runs vigil --version from the installed files, and says vigil start needs a checkout', async () => {
    const r = await vigil('--version');
    expect(r, r.err).toMatchObject({ code: 0 });
    expect(r.out).toBe(checkoutVigil(['--version']).out);
    // `vigil start` is the dev stack (wrangler, the Worker sources): the package says so instead of a stack trace.
    const start = await vigil('start');
    expect(start.code).toBe(1);
    expect(start.err.trim()).toMatch(/^vigil start: runs from a Vigil checkout/);
  });

  it('checks every keepalived sample as the checkout does (same report, same exit code)', async () => {
    cpSync(SAMPLES, join(root.dir, 'tmp/samples'), { recursive: true });
    const names = readdirSync(SAMPLES).sort();
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      const installed = await vigil('check-config', '-i', 'vigil-test', `/tmp/samples/${name}`);
      const checkout = checkoutVigil(['check-config', '-i', 'vigil-test', join(SAMPLES, name)]);
      const norm = (s: string) => s.split(join(SAMPLES, name)).join('FILE').split(`/tmp/samples/${name}`).join('FILE').split(SAMPLES).join('DIR').split('/tmp/samples').join('DIR');
      expect({ name, code: installed.code, out: norm(installed.out + installed.err) }).toEqual({ name, code: checkout.code, out: norm(checkout.out + checkout.err) });
    }
  }, 300_000);

  it('prints the MD5 of a loopback page with vigil genhash', async () => {
    const body = 'vigil genhash from the Debian package\n'.repeat(100);
    const server: Server = createServer((_, res) => res.end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const r = await vigil('genhash', '-s', '127.0.0.1', '-p', String(port), '-u', '/page');
      expect(r, r.err).toMatchObject({ code: 0 });
      expect(r.out.trim()).toBe(createHash('md5').update(body).digest('hex'));
    } finally {
      server.close();
    }
  });

  it('made the vigil user, /etc/vigil root:vigil 0750, and enabled both units (they wait for their tokens)', async () => {
    expect(await root.ok(['getent', 'passwd', 'vigil'])).toMatch(/^vigil:x:\d+:\d+:.*:\/nonexistent:\/usr\/sbin\/nologin$/m);
    expect((await root.ok(['stat', '-c', '%U:%G %a', '/etc/vigil'])).trim()).toBe('root:vigil 750');
    const wants = readdirSync(join(root.dir, 'etc/systemd/system/multi-user.target.wants'));
    expect(wants).toEqual(expect.arrayContaining(['vigil-shim.service', 'vigil-probe.service']));
    // Most hosts are not LVS-DR real servers: that unit waits for the admin to enable it.
    expect(wants).not.toContain('vigil-realserver.service');
    const shim = readFileSync(join(root.dir, 'lib/systemd/system/vigil-shim.service'), 'utf8');
    expect(shim).toMatch(/^ConditionPathExists=\/etc\/vigil\/shim\.token$/m);
    expect(shim).toMatch(/^ConditionPathExists=\/etc\/vigil\/board-key\.json$/m);
    expect(shim).toMatch(/--config \/etc\/keepalived\/keepalived\.conf/);
  });

  it('keeps an edited conffile and the tokens across an upgrade to a newer build', async () => {
    const defaults = join(root.dir, 'etc/default/vigil-shim');
    const edited = readFileSync(defaults, 'utf8').replace(/^VIGIL_CLUSTER=.*$/m, 'VIGIL_CLUSTER=edited-by-the-operator');
    writeFileSync(defaults, edited);
    writeFileSync(join(root.dir, 'etc/vigil/shim.token'), 'vgl_token\n');
    root.put(next, 'tmp/vigil-next.deb');
    await root.ok(['apt-get', 'install', '-y', '-q', '--no-install-recommends', '/tmp/vigil-next.deb'], { timeoutMs: 600_000 });
    expect(await root.ok(['dpkg-query', '-W', '-f', '${Version}', 'vigil'])).toBe(NEXT_VERSION);
    expect(readFileSync(defaults, 'utf8'), 'the upgrade replaced the edited /etc/default/vigil-shim').toBe(edited);
    expect(readFileSync(join(root.dir, 'etc/vigil/shim.token'), 'utf8')).toBe('vgl_token\n');
    expect((await vigil('--version')).code).toBe(0);
  }, 600_000);

  it('passes systemd-analyze verify with no warnings once the root has systemd', async () => {
    await root.ok(['apt-get', 'install', '-y', '-q', '--no-install-recommends', 'systemd'], { timeoutMs: 600_000 });
    const r = await root.run(['systemd-analyze', 'verify', '--man=no', '/lib/systemd/system/vigil-shim.service', '/lib/systemd/system/vigil-probe.service', '/lib/systemd/system/vigil-realserver.service']);
    // verify exits 0 on unknown keys: every line it prints is a finding.
    expect((r.out + r.err).trim(), 'systemd-analyze verify').toBe('');
    expect(r.code).toBe(0);
  }, 600_000);

  it('purge removes /etc/vigil, the settings and the state, and keeps the vigil user (Debian policy)', async () => {
    await root.ok(['sh', '-c', 'mkdir -p /var/lib/vigil && echo 7 > /var/lib/vigil/last-seq']);
    await root.ok(['apt-get', 'purge', '-y', '-q', 'vigil'], { timeoutMs: 300_000 });
    for (const p of ['etc/vigil', 'var/lib/vigil', 'etc/default/vigil-shim', 'etc/default/vigil-probe', 'etc/default/vigil-realserver', 'usr/lib/vigil', 'usr/bin/vigil', 'etc/systemd/system/multi-user.target.wants/vigil-shim.service']) {
      expect(existsSync(join(root.dir, p)), `/${p} is still there after purge`).toBe(false);
    }
    expect(await root.ok(['getent', 'passwd', 'vigil'])).toMatch(/^vigil:/);
  }, 300_000);
});
