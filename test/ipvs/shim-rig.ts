import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKeepalivedConfig, singleFileHost } from '../../core/keepalived/index.ts';
import type { Config } from '../../core/config/model.ts';
import { UNHANDLED_MSG } from '../../shim/daemon/faults.ts';
import { spawnDaemon, type Daemon } from '../helpers/daemon.ts';
import { overUnix } from './uml-net.ts';
import { eventually } from '../helpers/eventually.ts';
import { verdictFor } from './snapshots.ts';
import { TestBoard } from './test-board.ts';

const ROOT = join(import.meta.dirname, '../..');
const FAULT_IPVSADM = join(import.meta.dirname, 'fault-ipvsadm.mjs');

export const VIP = '10.0.0.1:80';
/** Three real servers with weights 1, 2, 3: every subset of them up is a different table. */
export const REAL_SERVERS = ['192.168.1.1', '192.168.1.2', '192.168.1.3'] as const;
const CONF = `virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo rr
  lb_kind NAT
${REAL_SERVERS.map((ip, i) => `  real_server ${ip} 80 {\n    weight ${i + 1}\n  }\n`).join('')}}
`;
/** Someone else's service (keepalived's, during a migration): never the shim's to touch. */
export const FOREIGN = '-A -t 10.9.9.9:25 -s rr\n-a -t 10.9.9.9:25 -r 192.168.50.1:25 -m -w 1\n';

export type FaultCall = 'read' | 'apply';
export type FaultKind = 'fail' | 'garbage' | 'hang' | 'partial';

let rigs = 0;

/**
 * A real `vigil shim` (bin/vigil.js, as operators run it) following a
 * TestBoard that signs real snapshots, with the ipvsadm backend pointed at
 * fault-ipvsadm.mjs (first on PATH), whose table and injected faults the test
 * controls. The state directory survives restarts of the shim within one rig.
 * Metrics are served on a loopback address of this process's own (127.x.y.z
 * from the pid), so parallel runs cannot collide.
 */
export class ShimRig {
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-shim-rig-'));
  readonly stateDir = join(this.dir, 'state');
  readonly config: Config;
  board!: TestBoard;
  shim: Daemon | null = null;
  private readonly metricsAt: string;
  private faultOrder = 0;
  private relays: Daemon[] = [];

  /**
   * `realIpvsadm`: the table is the kernel's (inside UML), reached through that ipvsadm when no fault is injected.
   * `netns`: the shim runs in that network namespace (a VRRP lab's director), reaching the Board and serving
   * /metrics through netns-relay.ts over Unix sockets in this rig's directory. `extraConf`: appended to the config (a vrrp_instance).
   */
  constructor(private readonly o: { realIpvsadm?: string; netns?: string; extraConf?: string } = {}) {
    const text = CONF + (o.extraConf ?? '');
    const r = readKeepalivedConfig('k.conf', { host: singleFileHost('k.conf', text), configId: 'rig' });
    if (!r.ok) throw new Error(`rig config: ${JSON.stringify(r.diagnostics)}`);
    this.config = r.config;
    this.metricsAt = o.netns ? '127.0.0.1:9109' : `127.${(process.pid >> 8) & 255}.${process.pid & 255}.${(++rigs % 250) + 2}:9109`;
    writeFileSync(join(this.dir, 'keepalived.conf'), text);
    writeFileSync(join(this.dir, 'token'), 'vgl_shim_rig\n', { mode: 0o600 });
    mkdirSync(join(this.dir, 'bin'));
    mkdirSync(join(this.dir, 'ipvs', 'faults'), { recursive: true });
    const wrapper = join(this.dir, 'bin', 'ipvsadm');
    writeFileSync(wrapper, `#!/bin/sh\nexec '${process.execPath}' '${FAULT_IPVSADM}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    this.setTable('');
  }

  async init(): Promise<this> {
    this.board = await new TestBoard({ cluster: 'c1', token: 'vgl_shim_rig' }).init();
    await this.board.start();
    writeFileSync(join(this.dir, 'key.json'), JSON.stringify({ keys: [await this.board.jwk()] }));
    if (this.o.netns) {
      const relay = (pre: string[], specs: string[]) => spawnDaemon(pre[0]!, [...pre.slice(1), process.execPath, '--import', 'tsx', join(ROOT, 'test/ipvs/netns-relay.ts'), ...specs], { cwd: ROOT, stdin: true });
      const sock = (n: string) => join(this.dir, n);
      this.relays.push(relay(['env'], [`unix:${sock('board.sock')}=tcp:127.0.0.1:${this.board.port}`]));
      this.relays.push(relay(['ip', 'netns', 'exec', this.o.netns], [`tcp:127.0.0.1:8787=unix:${sock('board.sock')}`, `unix:${sock('metrics.sock')}=tcp:${this.metricsAt}`]));
      for (const r of this.relays) await r.waitForLine('the relay to listen', /^ready$/m, 20_000);
    }
    return this;
  }

  private boardUrl(): string {
    return this.o.netns ? 'http://127.0.0.1:8787' : this.board.url();
  }

  /** Starts the shim (again, after a stop: same state directory); `websocket: false` makes the Board refuse sockets so it long-polls. */
  start(extra: string[] = []): Daemon {
    const args = [join(ROOT, 'bin/vigil.js'), 'shim', '--config', join(this.dir, 'keepalived.conf'), '--config-id', 'rig'];
    args.push('--board', this.boardUrl(), '--cluster', 'c1', '--token-file', join(this.dir, 'token'), '--board-key', join(this.dir, 'key.json'));
    // Inside UML a Node process takes far longer to start: the wrapper is one.
    args.push('--ipvs-backend', 'ipvsadm', '--ipvs-timeout', this.o.realIpvsadm ? '8' : '1', '--board-backoff-max', '1', '--metrics-listen', this.metricsAt, '--state-dir', this.stateDir, ...extra);
    const [cmd, ...pre] = this.o.netns ? ['ip', 'netns', 'exec', this.o.netns, process.execPath] : [process.execPath];
    this.shim = spawnDaemon(cmd!, [...pre, ...args], {
      env: {
        ...process.env,
        PATH: `${join(this.dir, 'bin')}:${process.env.PATH}`,
        VIGIL_FAULT_IPVSADM_DIR: join(this.dir, 'ipvs'),
        ...(this.o.realIpvsadm ? { VIGIL_FAULT_IPVSADM_REAL: this.o.realIpvsadm } : {}),
      },
    });
    return this.shim;
  }

  async close(): Promise<void> {
    await this.shim?.stop();
    for (const r of this.relays) await r.stop();
    await this.board?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The table as `ipvsadm -Sn` prints it, lines sorted. */
  table(): string {
    if (this.o.realIpvsadm) return sortLines(spawnSync(this.o.realIpvsadm, ['-Sn'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '');
    return sortLines(readFileSync(join(this.dir, 'ipvs', 'table'), 'utf8'));
  }

  setTable(text: string): void {
    if (this.o.realIpvsadm) {
      spawnSync(this.o.realIpvsadm, ['-C'], { timeout: 10_000 });
      spawnSync(this.o.realIpvsadm, ['-R'], { input: text, timeout: 10_000 });
    } else writeFileSync(join(this.dir, 'ipvs', 'table'), text);
  }

  /** The next `call` the shim makes fails this way (several queue up in order). */
  inject(call: FaultCall, kind: FaultKind): void {
    writeFileSync(join(this.dir, 'ipvs', 'faults', `${String(++this.faultOrder).padStart(6, '0')}-${call}-${kind}`), '');
  }

  /** Injected faults not yet taken by a call. */
  faultsLeft(): number {
    return readdirSync(join(this.dir, 'ipvs', 'faults')).length;
  }

  /** What the shim should have in the table when the Board says `down` are down: written out by hand, not computed by the code under test. */
  desired(down: readonly string[] = []): string {
    const lines = ['-A -t 10.0.0.1:80 -s rr'];
    REAL_SERVERS.forEach((ip, i) => {
      if (!down.includes(ip)) lines.push(`-a -t 10.0.0.1:80 -r ${ip}:80 -m -w ${i + 1}`);
    });
    return sortLines(lines.join('\n'));
  }

  /** Signs and publishes the Board's verdict with `down` down. */
  publish(down: readonly string[] = [], ttlMs = 60_000) {
    return this.board.publish(verdictFor(this.config, [...down]), ttlMs);
  }

  async metrics(): Promise<string> {
    try {
      if (this.o.netns) return (await overUnix(join(this.dir, 'metrics.sock'), '/metrics', { timeoutMs: 3000 })).body;
      return await (await fetch(`http://${this.metricsAt}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
    } catch (err) {
      return `metrics: ${(err as Error).message}`;
    }
  }

  /** One series' value (0 when absent), e.g. metric('vigil_shim_faults_total', { where: 'ipvs', reason: 'read_failed' }). */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    for (const line of (await this.metrics()).split('\n')) {
      const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = m[2] ? m[2].split(',') : [];
      if (want.length === have.length && want.every((w) => have.includes(w))) return Number(m[3]);
    }
    return 0;
  }

  /** Waits until the table is `text`; a timeout shows the table, the calls and the shim's output. */
  tableIs(what: string, text: string, timeoutMs = 20_000): Promise<true> {
    return eventually(what, () => this.table() === text || undefined, {
      timeoutMs,
      detail: () => `table:\n${this.table()}\nwanted:\n${text}\ncalls: ${this.calls().slice(-20).join(', ')}\nshim:\n${this.shim?.output().slice(-3000)}`,
    });
  }

  /** Waits until metric(name, labels) is at least `n`. */
  metricAtLeast(what: string, name: string, labels: Record<string, string>, n: number, timeoutMs = 20_000): Promise<number> {
    return eventually(
      what,
      async () => {
        const v = await this.metric(name, labels);
        if (v >= n) return v;
        throw new Error(`${name}${JSON.stringify(labels)} = ${v}`);
      },
      { timeoutMs, detail: () => `shim:\n${this.shim?.output().slice(-3000)}` },
    );
  }

  /** The ipvsadm calls the shim made, in order: `read ok`, `apply fail`, … */
  calls(): string[] {
    const f = join(this.dir, 'ipvs', 'calls');
    return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** Lines a fault reached the process's last resort with: a bug each, which the tests assert never appear. */
  unhandled(): string[] {
    return (this.shim?.output() ?? '').split('\n').filter((l) => l.includes(UNHANDLED_MSG));
  }
}

export function sortLines(text: string): string {
  return text.split('\n').filter(Boolean).sort().join('\n');
}

