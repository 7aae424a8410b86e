/**
 * VRRP under load: a VRRPv3 master at advert_int 0.1 inside a User-Mode Linux
 * kernel (the only kernel here with IPVS), its adverts captured by tcpdump on
 * the host side of the tap, in a network namespace of this run's own, where
 * Debian's keepalived is the backup. Meanwhile the master's process does a
 * full IPVS apply of 10,000 real servers and a SIGHUP reload of the 227k-line
 * config (bench/vrrp-under-load-uml-child.ts). The same run with keepalived
 * as the master is the peer. Goal (issue #13): no gap between the master's
 * adverts over advert_int + 20 ms, and the backup never takes over.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fmt, stats, table, type BenchSection } from './harness.ts';
import { shimNodeFlags } from './ipvs-shim-flags.ts';
import { spawnDaemon } from '../test/helpers/daemon.ts';
import { keepalivedConf } from '../test/vrrp/conf.ts';
import { ip, keepalivedUnavailable, labUnavailable, REPO } from '../test/vrrp/lab.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const RUNS = Number(process.env.VRRP_LOAD_RUNS ?? 3);
const ADVERT_INT_MS = 100;
const GOAL_GAP_MS = ADVERT_INT_MS + 20;
const MASTER = '10.252.0.2';
const BACKUP = '10.252.0.1';
type Impl = 'shim' | 'keepalived';

interface Marks {
  master: number;
  reload10k: number;
  applied10k: number;
  reload227k: number;
  applied227k: number;
  stop: number;
}
interface Advert {
  atMs: number;
  source: string;
  priority: number;
}
interface RunResult {
  gaps: number[];
  phaseMax: Record<'baseline' | 'apply10k' | 'reload227k', number>;
  over: number;
  takeovers: number;
  adverts: number;
  /** Gaps over the goal: where (ms after the latest mark) and how long. */
  late: string[];
}

/** tcpdump -tt: `1733212345.123456 IP 10.252.0.2 > 224.0.0.18: VRRPv3, Advertisement, vrid 61, prio 200, …`. */
function parseCapture(text: string): Advert[] {
  const out: Advert[] = [];
  for (const m of text.matchAll(/^(\d+\.\d+) IP (\d+\.\d+\.\d+\.\d+) > \S+ VRRPv3, Advertisement, vrid 61, prio (\d+)/gm)) {
    out.push({ atMs: Number(m[1]) * 1000, source: m[2]!, priority: Number(m[3]) });
  }
  return out;
}

function analyse(adverts: Advert[], k: Marks): RunResult {
  const inWindow = adverts.filter((a) => a.atMs >= k.master && a.atMs < k.stop);
  const mine = inWindow.filter((a) => a.source === MASTER && a.priority === 200);
  const gaps: number[] = [];
  const phaseMax = { baseline: 0, apply10k: 0, reload227k: 0 };
  const late: string[] = [];
  const where = (at: number) => {
    const [name, t] = Object.entries(k).filter(([, v]) => v <= at).sort((a, b) => b[1] - a[1])[0] ?? ['?', at];
    return `${name}+${Math.round(at - t)}`;
  };
  for (let i = 1; i < mine.length; i++) {
    const gap = mine[i]!.atMs - mine[i - 1]!.atMs;
    gaps.push(gap);
    const at = mine[i]!.atMs;
    const phase = at < k.reload10k ? 'baseline' : at < k.reload227k ? 'apply10k' : 'reload227k';
    phaseMax[phase] = Math.max(phaseMax[phase], gap);
    if (gap > GOAL_GAP_MS) late.push(`${where(at)}:${Math.round(gap)}`);
  }
  // The last advert before the stop to the stop itself counts too: a master silent at the end is a gap.
  if (mine.length) gaps.push(k.stop - mine[mine.length - 1]!.atMs);
  return { gaps, phaseMax, over: gaps.filter((g) => g > GOAL_GAP_MS).length, takeovers: inWindow.filter((a) => a.source === BACKUP && a.priority > 0).length, adverts: mine.length, late };
}

async function oneRun(impl: Impl, run: number): Promise<RunResult> {
  const ns = `vgul${process.pid}r${run}${impl[0]}`;
  const dir = mkdtempSync(join(tmpdir(), `${ns}-`));
  spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
  ip(['netns', 'add', ns]);
  const procs: ReturnType<typeof spawnDaemon>[] = [];
  try {
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    ip(['-n', ns, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    ip(['-n', ns, 'tuntap', 'add', 'dev', 'vtap0', 'mode', 'tap']);
    ip(['-n', ns, 'link', 'set', 'vtap0', 'master', 'br0', 'up']);
    ip(['-n', ns, 'addr', 'add', `${BACKUP}/24`, 'dev', 'br0']);
    ip(['-n', ns, 'link', 'set', 'br0', 'up']);
    const kaConf = join(dir, 'backup.conf');
    writeFileSync(kaConf, keepalivedConf('backup', [{ name: 'VI_1', vrid: 61, version: 3, advertInt: '0.1', priority: 100, vip: '10.252.0.100/24', interface: 'br0' }]));
    const pid = (k: string) => join(dir, `${k}.pid`);
    const tcpdump = spawnDaemon('ip', ['netns', 'exec', ns, 'tcpdump', '-i', 'br0', '-n', '-tt', '-l', '--immediate-mode', 'ip proto 112'], { keepChars: 16 << 20 });
    procs.push(tcpdump);
    await tcpdump.waitForLine('tcpdump to listen', /listening on br0/, 20_000);
    procs.push(spawnDaemon('ip', ['netns', 'exec', ns, '/usr/sbin/keepalived', '-n', '-l', '-P', '-f', kaConf, '-p', pid('m'), '-r', pid('v'), '-c', pid('c')]));
    const uml = spawnDaemon(
      'ip',
      ['netns', 'exec', ns, join(REPO, 'infra/uml/run.sh'), '-t', '500', '-m', '1536M', '-n', 'vtap0', '-e', `${MASTER}/24`, '-a', '192.168.0.254/16,10.0.0.254/8,172.16.0.254/12', '--', process.execPath, '--import', 'tsx', join(REPO, 'bench/vrrp-under-load-uml-child.ts'), impl],
      { cwd: REPO, keepChars: 1 << 20 },
    );
    procs.push(uml);
    const code = await uml.exited;
    const line = uml.stdout().split('\n').find((l) => l.startsWith('BENCH '));
    if (!line) throw new Error(`${impl} run ${run}: UML exit ${code}\n${uml.output().slice(-3000)}`);
    const { marks } = JSON.parse(line.slice(6)) as { marks: Marks };
    // Give tcpdump a moment to print what it captured up to the stop, then end it.
    await new Promise((r) => setTimeout(r, 500));
    return analyse(parseCapture(tcpdump.output()), marks);
  } finally {
    for (const p of procs.reverse()) await p.stop('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchSection> {
  const title = 'VRRP under load: advert gaps while the same process applies 10,000 real servers and reloads the 227k-line config (UML kernel 6.1)';
  const skip = labUnavailable() ?? keepalivedUnavailable() ?? (spawnSync('tcpdump', ['--version']).status === 0 ? null : 'tcpdump is not installed');
  if (skip) return { title, markdown: `Skipped: ${skip}.` };
  const results: Record<Impl, RunResult[]> = { shim: [], keepalived: [] };
  for (let i = 0; i < RUNS; i++) {
    // Interleaved so that machine load drifts hit both alike.
    for (const impl of ['keepalived', 'shim'] as Impl[]) {
      const r = await oneRun(impl, i);
      results[impl].push(r);
      process.stderr.write(`vrrp-under-load: ${impl} run ${i + 1}: ${r.adverts} adverts, max gap ${fmt(Math.max(...r.gaps))} ms, ${r.over} over ${GOAL_GAP_MS} ms, backup adverts ${r.takeovers}\n`);
    }
  }
  const row = (impl: Impl, name: string) => {
    const rs = results[impl];
    const all = rs.flatMap((r) => r.gaps);
    const s = stats(all);
    const maxOf = (k: keyof RunResult['phaseMax']) => fmt(Math.max(...rs.map((r) => r.phaseMax[k])));
    return [name, fmt(s.median), fmt(s.p99), fmt(s.max), maxOf('baseline'), maxOf('apply10k'), maxOf('reload227k'), rs.reduce((n, r) => n + r.over, 0), rs.reduce((n, r) => n + r.takeovers, 0), all.length];
  };
  const verdict = (impl: Impl) => {
    const rs = results[impl];
    const over = rs.reduce((n, r) => n + r.over, 0);
    const taken = rs.reduce((n, r) => n + r.takeovers, 0);
    return over === 0 && taken === 0 ? 'goal met' : `goal missed (${over} gaps over ${GOAL_GAP_MS} ms, ${taken} backup adverts)`;
  };
  return {
    title,
    markdown: [
      `Shim: ${verdict('shim')}. keepalived: ${verdict('keepalived')}.`,
      '',
      table(
        ['master', 'gap median ms', 'gap p99 ms', 'gap max ms', 'max gap: idle', 'max gap: full apply of 10,000', 'max gap: 227k-line reload', `gaps > ${GOAL_GAP_MS} ms`, 'backup adverts (takeovers)', 'gaps'],
        [row('shim', 'vigil shim (VRRP on its own thread)'), row('keepalived', 'keepalived 2.2.7 (VRRP and checker children)')],
      ),
      '',
      `${RUNS} runs each, interleaved. Goal: no gap over advert_int + 20 ms (${GOAL_GAP_MS} ms), and no advert from the backup. The master runs inside User-Mode Linux (one virtual CPU; the host kernel here has no IPVS), VRRPv3 at advert_int 0.1 on a tap into a network namespace of the run's own, where Debian's keepalived 2.2.7 is the backup (priority 100) and tcpdump timestamps every advert (kernel time of capture). Each run: master elected, 3 s idle; SIGHUP onto a 500 × 20 config without checks (a full apply of 10,000 real servers, through netlink for the shim) until its last service lists its 20 real servers (\`ipvsadm -Ln -t\`, polled every 0.5 s at nice 15), 2 s; SIGHUP onto the 227k-line config (1,000 × 20 with HTTP_GET, as the parse benchmark, whose checks then run: the real servers do not answer) until its last service is listed, 3 s; stop. The shim runs as its systemd unit starts it (\`node ${shimNodeFlags(REPO).join(' ')}\`, the bundle) with \`--local\`; keepalived runs whole (\`-n -l -D\`: its VRRP child re-reads the whole file on reload too). Once its VRRP thread runs, the shim's other threads take nice 10. A phase's gaps are attributed by the later advert's time. This machine is shared: other work (other User-Mode Linux kernels included) runs beside these runs, and a UML kernel is one host thread, so both masters' figures move with that load from run to run.`,
    ].join('\n'),
  };
}
