/**
 * One L2 segment for an LVS-DR test, all in namespaces of the test's own: a
 * host namespace holding a bridge, the tap of a UML kernel that is the DR
 * director (real IPVS, test/ipvs/uml.ts), and veths to a real-server
 * namespace and a client namespace. ARP and the forwarded frames never leave
 * these namespaces; destroy() ends the kernel, kills every process in them
 * and deletes them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type Daemon } from '../helpers/daemon.ts';
import { eventually } from '../helpers/eventually.ts';
import { runInUml, type UmlRun } from '../ipvs/uml.ts';
import { deleteNetns } from '../ipvs/uml-net.ts';
import { ip, REPO } from '../vrrp/lab.ts';
import { runCommand } from '../../shim/vrrp/run-command.ts';

/** 10.253.0.0/24 exists only inside these namespaces. */
export const DR = { director: '10.253.0.2', realServer: '10.253.0.3', client: '10.253.0.4', vip: '10.253.0.100', prefix: 24 } as const;
export const SERVED_BY = 'served by the real server';

export class DrLab {
  readonly hostNs = `vrs-h-${process.pid}`;
  readonly rsNs = `vrs-r-${process.pid}`;
  readonly clientNs = `vrs-c-${process.pid}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-dr-'));
  readonly stateDir = join(this.dir, 'state');
  private readonly stopUml = new AbortController();
  private uml: Promise<UmlRun> | null = null;
  private http: Daemon | null = null;

  create(): this {
    for (const ns of [this.hostNs, this.rsNs, this.clientNs]) {
      spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 }); // a leftover of a killed run with this pid
      ip(['netns', 'add', ns]);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    const h = this.hostNs;
    ip(['-n', h, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', h, 'link', 'set', 'br0', 'up']);
    ip(['-n', h, 'tuntap', 'add', 'dev', 'vtap0', 'mode', 'tap']);
    ip(['-n', h, 'link', 'set', 'vtap0', 'master', 'br0', 'up']);
    for (const [port, ns, addr] of [['prs', this.rsNs, DR.realServer], ['pcl', this.clientNs, DR.client]] as const) {
      ip(['-n', h, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      ip(['-n', h, 'link', 'set', port, 'master', 'br0', 'up']);
      ip(['-n', ns, 'address', 'add', `${addr}/${DR.prefix}`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    }
    return this;
  }

  /** Boots the director; resolves with its eth0 MAC once its IPVS service is in place. */
  async startDirector(deadlineMs: number): Promise<string> {
    const ready = join(this.dir, 'director-ready');
    this.uml = runInUml(['bash', join(REPO, 'test/realserver/inside/director.sh'), DR.vip, DR.realServer, ready], {
      timeoutMs: 900_000,
      net: { netns: this.hostNs, tap: 'vtap0', addr: `${DR.director}/${DR.prefix}` },
      signal: this.stopUml.signal,
    });
    let ended: UmlRun | null = null;
    void this.uml.then((r) => (ended = r));
    const text = await eventually(
      'the UML director to add its DR service (its ready file)',
      () => {
        if (ended) throw new Error(`the UML director exited (${ended.code}): ${ended.stderr.slice(-2000)}`);
        try {
          return readFileSync(ready, 'utf8');
        } catch {
          return null;
        }
      },
      { timeoutMs: deadlineMs, intervalMs: 250 },
    );
    const mac = /^mac ([0-9a-f:]{17})$/m.exec(text)?.[1];
    if (!mac || !text.includes(`${DR.realServer}:80`)) throw new Error(`the director's ready file lacks its MAC or the real server:\n${text}`);
    return mac;
  }

  /** An HTTP server on the real server's port 80 (every address: it answers for the VIP once the VIP is on lo). */
  async startHttp(deadlineMs: number): Promise<void> {
    const code = `require('node:http').createServer((q, s) => s.end(${JSON.stringify(SERVED_BY)})).listen(80, '0.0.0.0', () => console.log('listening'))`;
    this.http = spawnDaemon('ip', ['netns', 'exec', this.rsNs, process.execPath, '-e', code]);
    await this.http.waitForLine('the real server’s HTTP server to listen', /^listening$/m, deadlineMs);
  }

  /** The client's GET http://VIP/ (curl, with its own deadline): the body, or null when no answer came. */
  async clientGet(maxTimeS: number): Promise<{ body: string | null; detail: string }> {
    const r = await runCommand(['ip', 'netns', 'exec', this.clientNs, 'curl', '-sS', '--max-time', String(maxTimeS), `http://${DR.vip}/`], { timeoutMs: (maxTimeS + 30) * 1000 });
    return r.code === 0 ? { body: r.stdout, detail: '' } : { body: null, detail: `curl exit ${r.code}: ${r.stderr.trim()}` };
  }

  /** Packets the real server's kernel dropped as not addressed to it (Ip InAddrErrors: a DR frame for a VIP it lacks). */
  async rsAddressErrors(): Promise<number> {
    const r = await runCommand(['ip', 'netns', 'exec', this.rsNs, 'cat', '/proc/net/snmp'], { timeoutMs: 10_000 });
    const [names, values] = r.stdout.split('\n').filter((l) => l.startsWith('Ip: '));
    const i = (names ?? '').split(' ').indexOf('InAddrErrors');
    const n = Number((values ?? '').split(' ')[i]);
    if (i < 0 || !Number.isFinite(n)) throw new Error(`no Ip InAddrErrors in the real server's /proc/net/snmp: ${r.stdout.slice(0, 300)}`);
    return n;
  }

  /** The client's neighbour entry (MAC) for the VIP, or null. */
  clientNeighbourOfVip(): string | null {
    const out = ip(['-n', this.clientNs, 'neigh', 'show', DR.vip]);
    return /lladdr ([0-9a-f:]{17})/.exec(out)?.[1] ?? null;
  }

  /** Forget every learned MAC on the client and the real server, so the next exchange asks by ARP again. */
  flushNeighbours(): void {
    for (const ns of [this.clientNs, this.rsNs]) ip(['-n', ns, 'neigh', 'flush', 'all']);
  }

  async destroy(): Promise<void> {
    this.stopUml.abort();
    await Promise.allSettled([this.uml, this.http?.stop('SIGKILL')]);
    for (const ns of [this.hostNs, this.rsNs, this.clientNs]) deleteNetns(ns);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
