/**
 * The Debian package (issue #15): its size, its installed size, and start-up of the
 * installed `vigil` beside Debian's keepalived in the same Debian 12 root, the same run:
 * `vigil --version` against `keepalived --version`, `vigil check-config` against
 * `keepalived -t` on one of keepalived's own samples. Both are installed with apt into a
 * copy of the cached debootstrap root (test/deb/debian-root.ts) and timed inside it by
 * one shell loop, interleaved, so both see the same machine load and the same chroot.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cachedDeb } from '../test/deb/deb-build.ts';
import { debianRoot, prepareRootTarball } from '../test/deb/debian-root.ts';
import { fmt, stats, table, type BenchSection } from './harness.ts';

const RUNS = 15;
const SAMPLE = 'keepalived.conf.sample';
const root = join(import.meta.dirname, '..');

/** Each command and the highest exit code that still means it did its job (check-config: 2 is "warnings only"). */
const COMMANDS: Record<string, { cmd: string; okUpTo: number }> = {
  'vigil --version': { cmd: 'vigil --version', okUpTo: 0 },
  'keepalived --version': { cmd: 'keepalived --version', okUpTo: 0 },
  'vigil check-config': { cmd: `vigil check-config -q -i bench /tmp/${SAMPLE}`, okUpTo: 2 },
  'keepalived -t': { cmd: `keepalived -t -n -l -f /tmp/${SAMPLE}`, okUpTo: 0 },
};

export async function run(): Promise<BenchSection> {
  const why = prepareRootTarball();
  if (why) throw new Error(`the deb benchmark needs the Debian root: ${why}`);
  // The release build (dpkg-deb's default xz level), not the tests' quick one: its size is what an operator downloads.
  const deb = await cachedDeb({ level: 6 });
  const r = debianRoot('vigil-deb-bench');
  try {
    await r.ok(['apt-get', 'update', '-qq'], { timeoutMs: 300_000 });
    r.put(deb, 'tmp/vigil.deb');
    r.put(join(root, 'test/fixtures/keepalived-samples', SAMPLE), `tmp/${SAMPLE}`);
    // No init runs in the root, so keepalived's package starts nothing.
    await r.ok(['apt-get', 'install', '-y', '-q', '--no-install-recommends', '/tmp/vigil.deb', 'keepalived'], { timeoutMs: 900_000 });
    const keepalivedVersion = (await r.ok(['dpkg-query', '-W', '-f', '${Version}', 'keepalived'])).trim();
    const installedKiB = Number((await r.ok(['dpkg-query', '-W', '-f', '${Installed-Size}', 'vigil'])).trim());
    const du = Number((await r.ok(['du', '-sk', '/usr/lib/vigil'])).split('\t')[0]);
    const nodeMiB = statSync(join(r.dir, 'usr/lib/vigil/node')).size / 2 ** 20;

    // One loop inside the root: every command once per round, rounds interleaved; wall time in µs.
    const names = Object.keys(COMMANDS);
    const loop = [
      `for i in $(seq ${RUNS}); do`,
      ...names.map((n) => `  t0=$(date +%s%N); ${COMMANDS[n]!.cmd} >/dev/null 2>&1; rc=$?; t1=$(date +%s%N); [ $rc -le ${COMMANDS[n]!.okUpTo} ] || echo "failed: ${n} (exit $rc)" >&2; echo "${n}|$(( (t1 - t0) / 1000 ))"`),
      'done',
    ].join('\n');
    const out = await r.run(['sh', '-c', loop], { timeoutMs: 600_000 });
    if (out.err.includes('failed:')) throw new Error(`a timed command failed inside the root:\n${out.err}`);
    const samples = new Map<string, number[]>(names.map((n) => [n, []]));
    for (const line of out.out.trim().split('\n')) {
      const [n, us] = line.split('|');
      samples.get(n!)!.push(Number(us) / 1000);
    }
    const s = Object.fromEntries(names.map((n) => [n, stats(samples.get(n)!)]));
    const ratio = (a: string, b: string) => `${fmt(s[a]!.median / s[b]!.median, 2)}×`;
    return {
      title: 'Debian package',
      markdown: [
        table(['what', 'size'], [
          ['`vigil_*_amd64.deb` (xz)', `${fmt(statSync(deb).size / 2 ** 20)} MiB`],
          ['Installed-Size (dpkg)', `${fmt(installedKiB / 1024)} MiB`],
          ['/usr/lib/vigil on disk (du)', `${fmt(du / 1024)} MiB`],
          ['of which the Node runtime (stripped)', `${fmt(nodeMiB)} MiB`],
        ]),
        '',
        table(
          ['command (installed root)', 'median ms', 'p99 ms', 'vs keepalived'],
          [
            ['`vigil --version`', fmt(s['vigil --version']!.median), fmt(s['vigil --version']!.p99), ratio('vigil --version', 'keepalived --version')],
            [`keepalived ${keepalivedVersion} \`--version\``, fmt(s['keepalived --version']!.median), fmt(s['keepalived --version']!.p99), ''],
            [`\`vigil check-config\` (${SAMPLE})`, fmt(s['vigil check-config']!.median), fmt(s['vigil check-config']!.p99), ratio('vigil check-config', 'keepalived -t')],
            [`keepalived ${keepalivedVersion} \`-t\``, fmt(s['keepalived -t']!.median), fmt(s['keepalived -t']!.p99), ''],
          ],
        ),
        '',
        `${RUNS} rounds, each command once per round, timed inside a debootstrap'd Debian 12 root where both were installed with apt (\`vigil\` from ${readFileSync(join(root, 'infra/deb/changelog'), 'utf8').split('\n')[0]}); wall time from \`date +%s%N\` before and after, so each figure includes one \`date\` spawn. Node start-up dominates vigil's rows.`,
      ].join('\n'),
    };
  } finally {
    r.remove();
  }
}
