// `npm run package:deb`: dist/vigil_<version>_amd64.deb with Debian's dpkg-deb.
// The CLI bundle (dist/cli, built first by `npm run build`), the native addons and the
// Node runtime that runs them go under /usr/lib/vigil: Debian 12's nodejs is 18, older
// than package.json's engines, and the bundle leaves only node: built-ins and the
// vrrp-socket addons outside it (checked below), so nothing else is needed at run time.
// Reproducible: every mtime is SOURCE_DATE_EPOCH (default: the last commit's time),
// modes are set explicitly, owners are root:root (--root-owner-group), dpkg-deb sorts
// the members and xz is deterministic, so two builds of one commit give the same bytes.
//
//   node infra/deb/build.mjs [--version V] [--out DIR] [--compress xz|gzip] [--level 0-9]
// --version builds the same files under another package version (tests build two to
// upgrade from one to the other); its changelog entry is added on top of infra/deb/changelog.
// xz (the default) runs single-threaded: liblzma's multi-threaded output differs from its
// single-threaded one, so the bytes would depend on the builder's CPU count. gzip is
// ten times quicker and 40% larger; the upgrade test uses it for its second version.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, lutimesSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { manPage } from './man-page.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const here = join(root, 'infra/deb');
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const run = (cmd, args, o = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, ...o });

const changelogText = readFileSync(join(here, 'changelog'), 'utf8');
const baseVersion = /^vigil \(([^)]+)\)/.exec(changelogText)?.[1];
if (!baseVersion) throw new Error('infra/deb/changelog: the first line names no version');
const version = arg('--version') ?? baseVersion;
const compress = arg('--compress') ?? 'xz';
if (compress !== 'xz' && compress !== 'gzip') throw new Error(`--compress ${compress}: xz or gzip`);
// dpkg-deb's own default (xz 6) unless told: the tests build at 1, five times faster over the runtime (~27 instead of ~23 MiB).
const level = arg('--level');
if (level !== undefined && !/^[0-9]$/.test(level)) throw new Error(`--level ${level}: 0 to 9`);
if (!/^[0-9][A-Za-z0-9.+~-]*$/.test(version)) throw new Error(`--version ${version}: not a Debian version`);
const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? run('git', ['log', '-1', '--format=%ct'], { cwd: root }).trim());
if (!Number.isInteger(epoch) || epoch <= 0) throw new Error(`SOURCE_DATE_EPOCH: not a time: ${process.env.SOURCE_DATE_EPOCH}`);
const date = new Date(epoch * 1000);

const cli = join(root, 'dist/cli');
if (!existsSync(join(cli, 'main.mjs'))) throw new Error('dist/cli/main.mjs is missing: run `npm run build` first');

// What the bundle still imports by name must be built in to Node or be the addons shipped beside it.
const bundled = readdirSync(cli).filter((f) => f.endsWith('.mjs')).sort();
for (const f of bundled) {
  const text = readFileSync(join(cli, f), 'utf8');
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\d*\s*\(\s*|createRequire\d*\(import\.meta\.url\)\s*\(\s*)"([@\w./:-]+)"/g)) {
    const spec = m[1];
    const ok = spec.startsWith('node:') || spec.startsWith('./') || spec.startsWith('vrrp-socket/') || spec === '../../native/vrrp-socket/index.cjs' || spec === '@aws-sdk/signature-v4-crt';
    if (!ok) throw new Error(`dist/cli/${f} imports "${spec}", which the package does not ship`);
  }
}

const out = arg('--out') ?? join(root, 'dist');
// Staged outside the checkout: the man page runs the staged CLI, which must not find the checkout above it.
const stage = mkdtempSync(join(tmpdir(), `vigil-deb-${version}-`));
process.on('exit', () => rmSync(stage, { recursive: true, force: true }));
const execs = new Set();
const put = (path, data, mode = 0o644) => {
  const p = join(stage, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
  if (mode & 0o111) execs.add(path);
};
const copy = (path, from, mode = 0o644) => put(path, readFileSync(from), mode);
const strip = (path, from) => {
  const p = join(stage, path);
  mkdirSync(dirname(p), { recursive: true });
  // What dh_strip does: symbols and notes out, the dynamic symbols addons link against kept.
  run('strip', ['--remove-section=.comment', '--remove-section=.note', '--strip-unneeded', '-o', p, from]);
  execs.add(path);
};

// The runtime and the CLI.
const lib = 'usr/lib/vigil';
strip(`${lib}/node`, process.execPath);
for (const f of bundled) copy(`${lib}/dist/cli/${f}`, join(cli, f));
copy(`${lib}/bin/vigil.mjs`, join(here, 'vigil.mjs'));
const addon = join(root, 'native/vrrp-socket');
for (const f of readdirSync(addon).filter((f) => f.endsWith('.cjs') && f !== 'build.cjs').sort()) copy(`${lib}/native/vrrp-socket/${f}`, join(addon, f));
put(`${lib}/native/vrrp-socket/package.json`, JSON.stringify({ name: 'vrrp-socket', private: true }) + '\n');
const release = join(addon, 'build/Release');
const addons = readdirSync(release).filter((f) => f.endsWith('.node')).sort();
if (!['vrrp_socket.node', 'ipvs_netlink.node', 'rtnetlink.node'].every((a) => addons.includes(a))) throw new Error('native/vrrp-socket/build/Release lacks the addons: run npm ci');
for (const f of addons) {
  strip(`${lib}/native/vrrp-socket/build/Release/${f}`, join(release, f));
  chmodSync(join(stage, `${lib}/native/vrrp-socket/build/Release/${f}`), 0o644);
  execs.delete(`${lib}/native/vrrp-socket/build/Release/${f}`);
}
// The bundle finds the addons as `vrrp-socket/...` (node_modules lookup) and by a relative path.
mkdirSync(join(stage, `${lib}/node_modules`), { recursive: true });
symlinkSync('../native/vrrp-socket', join(stage, `${lib}/node_modules/vrrp-socket`));
copy('usr/bin/vigil', join(here, 'vigil.sh'), 0o755);

// Units, the user, modules, settings.
copy('lib/systemd/system/vigil-shim.service', join(root, 'infra/systemd/vigil-shim.service'));
copy('lib/systemd/system/vigil-probe.service', join(root, 'infra/systemd/vigil-probe.service'));
copy('lib/systemd/system/vigil-realserver.service', join(root, 'infra/systemd/vigil-realserver.service'));
copy('usr/lib/sysusers.d/vigil.conf', join(here, 'sysusers.conf'));
copy('usr/lib/modules-load.d/vigil-ipvs.conf', join(root, 'infra/systemd/ipvs-modules.conf'));
copy('etc/default/vigil-shim', join(here, 'default-vigil-shim'));
copy('etc/default/vigil-probe', join(here, 'default-vigil-probe'));
copy('etc/default/vigil-realserver', join(here, 'default-vigil-realserver'));
mkdirSync(join(stage, 'etc/vigil'), { recursive: true });

// Documentation: vigil(8) from the CLI's own help, run on the runtime being packaged.
const help = async (args) => run(join(stage, `${lib}/node`), [join(stage, `${lib}/bin/vigil.mjs`), ...args, '--help'], { env: { PATH: process.env.PATH, COLUMNS: '80' } });
const page = await manPage(help, { version: run(join(stage, `${lib}/node`), [join(stage, `${lib}/bin/vigil.mjs`), '--version']).trim(), dateIso: date.toISOString().slice(0, 10) });
put('usr/share/man/man8/vigil.8.gz', gzipSync(page, { level: 9 }));
const doc = 'usr/share/doc/vigil';
let changelog = changelogText;
if (version !== baseVersion) {
  const rfc2822 = run('date', ['-u', '-R', '-d', `@${epoch}`]).trim();
  changelog = `vigil (${version}) unstable; urgency=medium\n\n  * Rebuilt as ${version}.\n\n -- Vigil maintainers <vigil@example.org>  ${rfc2822}\n\n${changelogText}`;
}
put(`${doc}/changelog.Debian.gz`, gzipSync(changelog, { level: 9 }));
put(`${doc}/copyright`, copyright());
copy('usr/share/lintian/overrides/vigil', join(here, 'lintian-overrides'));

// Every directory 0755 (but /etc/vigil 0750, its group set by postinst), every mtime the same.
const walk = (dir) => readdirSync(join(stage, dir)).sort().flatMap((f) => {
  const p = dir ? `${dir}/${f}` : f;
  return lstatSync(join(stage, p)).isDirectory() ? [p, ...walk(p)] : [p];
});
const files = walk('');
let installedKiB = 0;
for (const p of files) {
  const st = lstatSync(join(stage, p));
  if (st.isDirectory()) chmodSync(join(stage, p), p === 'etc/vigil' ? 0o750 : 0o755);
  else if (st.isFile()) chmodSync(join(stage, p), execs.has(p) ? 0o755 : 0o644);
  installedKiB += Math.ceil((st.isFile() ? st.size : 0) / 1024) || 1;
}

// Control files.
const arch = run('dpkg', ['--print-architecture']).trim();
mkdirSync(join(stage, 'DEBIAN'));
const ctl = (name, data, mode) => {
  writeFileSync(join(stage, 'DEBIAN', name), data);
  chmodSync(join(stage, 'DEBIAN', name), mode);
};
ctl('control', [
  'Package: vigil',
  `Version: ${version}`,
  `Architecture: ${arch}`,
  'Maintainer: Vigil maintainers <vigil@example.org>',
  `Installed-Size: ${installedKiB}`,
  `Depends: ${shlibDepends()}, adduser, iproute2, procps`,
  'Recommends: nftables',
  'Suggests: ipvsadm',
  'Section: net',
  'Priority: optional',
  'Homepage: https://github.com/vigil/vigil',
  'Description: multi-vantage health checks and failover, keepalived-compatible',
  ' Vigil runs keepalived\'s health checks from several vantage points, lets them',
  ' vote, signs the verdict, and hands it to a shim on each director that sets the',
  ' IPVS weights and runs VRRP (interoperable with keepalived). It reads the',
  ' keepalived.conf a director already has.',
  ' .',
  ' This package holds the vigil command with its own Node.js runtime, the',
  ' director shim (vigil-shim.service), the self-hosted prober',
  ' (vigil-probe.service) and an LVS-DR real server set-up',
  ' (vigil-realserver.service, not enabled).',
  '',
].join('\n'), 0o644);
ctl('conffiles', '/etc/default/vigil-probe\n/etc/default/vigil-realserver\n/etc/default/vigil-shim\n', 0o644);
for (const s of ['postinst', 'prerm', 'postrm']) ctl(s, readFileSync(join(here, s)), 0o755);
const sums = files.filter((p) => !p.startsWith('etc/') && lstatSync(join(stage, p)).isFile()).map((p) => `${createHash('md5').update(readFileSync(join(stage, p))).digest('hex')}  ${p}\n`);
ctl('md5sums', sums.join(''), 0o644);
for (const p of ['', 'DEBIAN', ...readdirSync(join(stage, 'DEBIAN')).map((f) => `DEBIAN/${f}`), ...files]) lutimesSync(join(stage, p), epoch, epoch);

mkdirSync(out, { recursive: true });
const deb = join(out, `vigil_${version}_${arch}.deb`);
run('dpkg-deb', ['--root-owner-group', `-Z${compress}`, ...(level === undefined ? [] : [`-z${level}`]), '--threads-max=1', '--build', stage, deb], { env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) }, timeout: 600_000 });
rmSync(stage, { recursive: true, force: true });
console.error(`vigil: wrote ${relative(process.cwd(), deb)} (${(statSync(deb).size / 1048576).toFixed(1)} MiB, installed ${(installedKiB / 1024).toFixed(1)} MiB)`);

/** The shared-library Depends of the runtime and the addons, as dpkg-shlibdeps works them out. */
function shlibDepends() {
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-deb-shlibs-'));
  mkdirSync(join(tmp, 'debian'), { recursive: true });
  writeFileSync(join(tmp, 'debian/control'), 'Source: vigil\n\nPackage: vigil\nArchitecture: any\n');
  const objs = [`${lib}/node`, ...addons.map((f) => `${lib}/native/vrrp-socket/build/Release/${f}`)].map((p) => join(stage, p));
  const r = run('dpkg-shlibdeps', ['-O', ...objs], { cwd: tmp });
  rmSync(tmp, { recursive: true, force: true });
  const deps = /shlibs:Depends=(.*)/.exec(r)?.[1];
  if (!deps) throw new Error(`dpkg-shlibdeps gave no Depends: ${r}`);
  return deps.trim();
}

/** Vigil's notice, then each bundled npm package's and the Node runtime's license texts. */
function copyright() {
  const packages = JSON.parse(readFileSync(join(cli, 'packages.json'), 'utf8'));
  const parts = [
    'vigil: multi-vantage health checks and failover, keepalived-compatible.',
    'Copyright: the Vigil maintainers <vigil@example.org>.',
    '',
    'This package also contains, unmodified except for bundling:',
    '',
    `* The Node.js ${process.version} runtime (/usr/lib/vigil/node): MIT (Expat), with the`,
    '  libraries it includes under the licenses its LICENSE text lists (below).',
    ...packages.map((p) => `* ${p.name} ${p.version} (in /usr/lib/vigil/dist/cli): ${p.license}`),
    '',
    'The Apache License 2.0 is in /usr/share/common-licenses/Apache-2.0.',
  ];
  // Apache-2.0 texts are in common-licenses (policy 12.5); the others are copied.
  for (const p of packages.filter((p) => p.license !== 'Apache-2.0')) {
    const dir = join(root, 'node_modules', p.name);
    const lic = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
    if (lic) parts.push('', `---- ${p.name}: ${lic}`, '', readFileSync(join(dir, lic), 'utf8').trimEnd());
  }
  const nodeLicense = ['/usr/share/doc/nodejs/LICENSE', join(dirname(process.execPath), '../share/doc/node/LICENSE')].find((p) => existsSync(p));
  if (!nodeLicense) throw new Error(`no LICENSE text for the Node runtime ${process.execPath} (looked in /usr/share/doc/nodejs)`);
  parts.push('', '---- Node.js: LICENSE', '', readFileSync(nodeLicense, 'utf8').trimEnd(), '');
  return parts.join('\n');
}
