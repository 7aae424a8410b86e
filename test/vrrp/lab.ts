/**
 * A throw-away virtual LAN for VRRP tests: one namespace holding a bridge and
 * one namespace per director, joined by veth pairs created straight inside the
 * namespaces (nothing is ever added to the host's own namespace). Raw VRRP,
 * ARP and NA packets therefore never leave these namespaces. Everything the
 * lab starts is killed and every namespace removed in `destroy()`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handlesSignal, spawnDaemon, type Daemon } from '../helpers/daemon.ts';
import { eventually, within } from '../helpers/eventually.ts';

const IP_TIMEOUT_MS = 10_000;
export const REPO = join(import.meta.dirname, '../..');

export function ip(args: string[], allowFail = false): string {
  // On a loaded machine `ip` can miss its deadline; a timed-out read must not
  // pass for "no address here", so it is tried again before anything is concluded.
  for (let attempt = 0; ; attempt++) {
    const r = spawnSync('ip', args, { encoding: 'utf8', timeout: IP_TIMEOUT_MS });
    if (r.error && attempt < 2) continue;
    if (r.error) throw new Error(`ip ${args.join(' ')}: ${r.error.message}`);
    if (r.status !== 0 && !allowFail) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    return r.stdout ?? '';
  }
}

/** Why namespace tests cannot run here, or null when they can. */
export function labUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces and raw sockets';
  const r = spawnSync('ip', ['netns', 'list'], { timeout: IP_TIMEOUT_MS });
  if (r.status !== 0) return 'iproute2 `ip netns` is not available';
  return null;
}

export function keepalivedUnavailable(): string | null {
  const r = spawnSync('/usr/sbin/keepalived', ['--version'], { encoding: 'utf8', timeout: IP_TIMEOUT_MS });
  if (r.error || (r.status !== 0 && r.status !== null && !/Keepalived/.test(r.stderr + r.stdout))) return 'Debian keepalived is not installed (infra/install-test-deps.sh)';
  return null;
}

let labSerial = 0;

export interface Director {
  ns: string;
  address: string;
  dev: string;
}

export interface Proc {
  name: string;
  ns: string;
  /** `ip netns exec` execs in place: this is the shim or keepalived itself, leading its own process group. */
  daemon: Daemon;
  output: () => string;
  /** keepalived only: its VRRP child's pid file (the parent is not the process that speaks VRRP). */
  vrrpPidFile?: string;
}

/** What a shim's --status-file holds (shim/vrrp/daemon.ts status()). */
export interface ShimStatus {
  instances: Array<{ name: string; state: string; priority: number; stats: Record<string, unknown> & { dropped: Record<string, number>; advertsReceived: number; advertsSent: number } }>;
  links: Array<{ dropped: Record<string, number> }>;
}

export class Lab {
  readonly id: string;
  readonly bridgeNs: string;
  readonly directors: Director[] = [];
  readonly dir: string;
  private procs: Proc[] = [];

  /** `subnet` picks 10.77.<subnet>.0/24 so labs in one run never share addresses. */
  constructor(
    readonly size: number,
    readonly subnet: number,
  ) {
    this.id = `${(process.pid % 1296).toString(36)}${(labSerial++).toString(36)}${Math.floor(Math.random() * 36).toString(36)}`;
    this.bridgeNs = `vgb-${this.id}`;
    this.dir = mkdtempSync(join(tmpdir(), `vigil-vrrp-${this.id}-`));
  }

  vip(host = 100): string {
    return `10.77.${this.subnet}.${host}`;
  }

  create(): this {
    ip(['netns', 'add', this.bridgeNs]);
    ip(['-n', this.bridgeNs, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    ip(['-n', this.bridgeNs, 'link', 'set', 'br0', 'up']);
    for (let i = 1; i <= this.size; i++) {
      const ns = `vgd${i}-${this.id}`;
      ip(['netns', 'add', ns]);
      this.directors.push({ ns, address: `10.77.${this.subnet}.${i}`, dev: 'eth0' });
      // Virtual addresses move; duplicate address detection would only delay IPv6 ones.
      for (const key of ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']) {
        spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', key], { timeout: IP_TIMEOUT_MS });
      }
      ip(['-n', this.bridgeNs, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      ip(['-n', this.bridgeNs, 'link', 'set', `p${i}`, 'master', 'br0', 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'address', 'add', `10.77.${this.subnet}.${i}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    }
    return this;
  }

  /** Addresses on a director's eth0, without prefix lengths. */
  addresses(d: Director): string[] {
    const out = ip(['-n', d.ns, '-o', 'address', 'show', 'dev', d.dev], true);
    return [...out.matchAll(/inet6? ([0-9a-f.:]+)\//g)].map((m) => m[1]!);
  }

  holders(vip: string): Director[] {
    return this.directors.filter((d) => this.addresses(d).includes(vip));
  }

  linkLocal(d: Director): string {
    return this.addresses(d).find((a) => a.startsWith('fe80')) ?? '';
  }

  /**
   * Cuts a director off the LAN (or reconnects it) without its own link
   * noticing: the bridge port leaves the bridge but stays up, so carrier holds.
   */
  setLink(d: Director, connected: boolean): void {
    const i = this.directors.indexOf(d) + 1;
    ip(['-n', this.bridgeNs, 'link', 'set', `p${i}`, ...(connected ? ['master', 'br0'] : ['nomaster'])]);
  }

  setOwnLink(d: Director, up: boolean): void {
    ip(['-n', d.ns, 'link', 'set', d.dev, up ? 'up' : 'down']);
  }

  write(name: string, text: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, text);
    return p;
  }

  read(name: string): string {
    try {
      return readFileSync(join(this.dir, name), 'utf8');
    } catch {
      return '';
    }
  }

  /** Starts argv inside a director's namespace; output is kept for failure messages. */
  spawnIn(d: Director, name: string, argv: string[]): Proc {
    const daemon = spawnDaemon('ip', ['netns', 'exec', d.ns, ...argv], { cwd: REPO, keepChars: 200_000 });
    const p: Proc = { name, ns: d.ns, daemon, output: () => daemon.output() };
    this.procs.push(p);
    return p;
  }

  shim(d: Director, name: string, configFile: string, extra: string[] = []): Proc {
    return this.spawnIn(d, name, [process.execPath, join(REPO, 'bin/vigil.js'), 'shim', '--config', configFile, '--status-file', join(this.dir, `${name}.status.json`), ...extra]);
  }

  keepalived(d: Director, name: string, configFile: string): Proc {
    const pid = (k: string) => join(this.dir, `${name}.${k}.pid`);
    // -n no fork, -l log to console, -D details, -P VRRP only; own pid files so several run at once.
    const p = this.spawnIn(d, name, ['/usr/sbin/keepalived', '-n', '-l', '-D', '-P', '-f', configFile, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('chk')]);
    p.vrrpPidFile = pid('vrrp');
    return p;
  }

  /**
   * A master's sudden death. For keepalived that is its VRRP child: killing
   * only the parent makes the child shut down gracefully (priority 0).
   */
  async kill9(p: Proc): Promise<void> {
    if (p.vrrpPidFile) {
      const pid = Number(readFileSync(p.vrrpPidFile, 'utf8').trim());
      if (pid > 0) process.kill(pid, 'SIGKILL');
    }
    await this.stop(p, 'SIGKILL');
  }

  /** A shim's status file as it was last written (on a state change, or on SIGUSR2), or null. */
  status(name: string): ShimStatus | null {
    try {
      return JSON.parse(readFileSync(this.statusFile(name), 'utf8')) as ShimStatus;
    } catch {
      return null;
    }
  }

  private statusFile(name: string): string {
    return join(this.dir, `${name}.status.json`);
  }

  /** A shim's status as it is now: asks for a fresh file (SIGUSR2, as keepalived's stats) and waits until it is rewritten. */
  async freshStatus(p: Proc, timeoutMs = 5_000): Promise<ShimStatus> {
    const mtime = () => {
      try {
        return statSync(this.statusFile(p.name)).mtimeMs;
      } catch {
        return 0;
      }
    };
    // Sent before the shim handles it, SIGUSR2 would end it.
    await eventually(`${p.name} to handle SIGUSR2`, () => handlesSignal(p.daemon.pid, 'SIGUSR2'), { timeoutMs, detail: () => p.output().slice(-2000) });
    const before = mtime();
    p.daemon.signal('SIGUSR2');
    return eventually(`${p.name} to rewrite its status file`, () => mtime() > before && this.status(p.name), { timeoutMs, detail: () => p.output().slice(-2000) });
  }

  /**
   * Resolves once a shim's first instance has counted `more` adverts of a
   * kind (sent, or received) beyond its count when called: proof that that
   * many advert intervals went by with the peers running, where a sleep
   * would only hope so.
   */
  async adverts(p: Proc, kind: 'advertsSent' | 'advertsReceived', more: number, timeoutMs: number): Promise<void> {
    const base = (await this.freshStatus(p)).instances[0]?.stats[kind] ?? 0;
    await eventually(
      `${p.name} to count ${more} more ${kind} than ${base}`,
      () => {
        p.daemon.signal('SIGUSR2');
        // A file not rewritten yet shows a lower count: that can delay this wait, never end it early.
        return (this.status(p.name)?.instances[0]?.stats[kind] ?? 0) >= base + more;
      },
      { timeoutMs, intervalMs: 100, detail: () => p.output().slice(-2000) },
    );
  }

  /**
   * Stops one process: `signal` to it alone (as an operator's kill would),
   * then the rest of its group once it has exited, or SIGKILL to the group
   * after `timeoutMs`. Resolves with its exit code or the signal that ended it.
   */
  async stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | string> {
    if (signal !== 'SIGKILL' && !p.daemon.hasExited()) {
      p.daemon.signal(signal);
      // A process that does not stop in time is killed below, and its exit says so (a signal, not 0).
      await within(`${p.name} to exit after ${signal}`, p.daemon.exited, timeoutMs).catch(() => undefined);
    }
    return p.daemon.stop('SIGKILL');
  }

  /**
   * Between scenarios: kills the processes a scenario started (emptying
   * `running`) and removes whatever address a killed daemon left behind
   * (`prefix`: the address with its length, e.g. 192.0.2.100/24).
   */
  async endScenario(running: Proc[], prefix: string): Promise<void> {
    for (const p of running.splice(0)) await this.stop(p, 'SIGKILL');
    for (const d of this.directors) ip(['-n', d.ns, 'address', 'del', prefix, 'dev', 'eth0'], true);
  }

  /** Kills everything still running in the lab's namespaces, then removes them. Safe to call twice. */
  async destroy(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.daemon.stop('SIGKILL')));
    // Anything left behind in a namespace (a keepalived child) goes with it.
    for (const ns of [...this.directors.map((d) => d.ns), this.bridgeNs]) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: IP_TIMEOUT_MS }).stdout ?? '';
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      ip(['netns', 'del', ns], true);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * @deprecated Use eventually() (test/helpers/eventually.ts), which names what
 * it waited for. Kept for callers not yet moved to it; like eventually() it
 * throws at the deadline (it used to return undefined, which callers ignored).
 */
export async function waitFor<T>(fn: () => T | undefined, timeoutMs: number, stepMs = 50): Promise<T> {
  return (await eventually(`${fn.toString().slice(0, 200)}`, fn, { timeoutMs, intervalMs: stepMs })) as T;
}

/** Pacing for benchmarks; a test waits for a positive signal with eventually() instead. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
