/**
 * A network namespace of the test's own, holding one tap device that a UML
 * kernel uses as eth0, and a relay (netns-relay.ts) that bridges it to the
 * host through Unix sockets. Nothing here touches the machine's interfaces:
 * the tap and its addresses live only inside the namespace, and deleting the
 * namespace removes them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { spawnDaemon, type Daemon } from '../helpers/daemon.ts';
import { REPO } from './uml.ts';

export interface UmlNet {
  netns: string;
  tap: string;
  /** The namespace's end of the tap (what UML reaches), and UML's eth0 address with prefix. */
  hostAddr: string;
  umlAddr: string;
  umlCidr: string;
  /** Starts the relay inside the namespace; resolves once it listens. */
  relay(specs: string[], deadlineMs?: number): Promise<void>;
  /** Kills the relay (and any process still in the namespace: only ours run there) and deletes the namespace. */
  destroy(): void;
}

/** Why a namespace with a tap cannot be made here, or null. */
export function netUnavailable(): string | null {
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun (tap devices)';
  if (spawnSync('ip', ['netns', 'list'], { timeout: 5000 }).status !== 0) return 'ip netns does not work here';
  return null;
}

/** Kills every process left in a namespace of the test's own (only ours run there), then deletes it. */
export function deleteNetns(name: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '';
  for (const pid of pids.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  spawnSync('ip', ['netns', 'del', name], { timeout: 10_000 });
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message}`);
}

export function createUmlNet(name = `vigil-e2eb-${process.pid}`): UmlNet {
  // 10.251.0.0/30 exists only inside this namespace, so it cannot clash with the host's routes.
  const net: Omit<UmlNet, 'relay' | 'destroy'> = { netns: name, tap: 'vtap0', hostAddr: '10.251.0.1', umlAddr: '10.251.0.2', umlCidr: '10.251.0.2/30' };
  spawnSync('ip', ['netns', 'del', name], { timeout: 10_000 }); // a leftover of a killed run with this pid
  ip(['netns', 'add', name]);
  let relay: Daemon | null = null;
  const destroy = () => {
    // The kill itself is sent at once; the namespace's own sweep below does not wait for it either.
    void relay?.stop('SIGKILL');
    deleteNetns(name);
  };
  try {
    ip(['-n', name, 'link', 'set', 'lo', 'up']);
    ip(['-n', name, 'tuntap', 'add', 'dev', net.tap, 'mode', 'tap']);
    ip(['-n', name, 'addr', 'add', `${net.hostAddr}/30`, 'dev', net.tap]);
    ip(['-n', name, 'link', 'set', net.tap, 'up']);
  } catch (err) {
    destroy();
    throw err;
  }
  return {
    ...net,
    destroy,
    async relay(specs, deadlineMs = 20_000) {
      // stdin stays open: the relay exits when it closes, however this process ends.
      relay = spawnDaemon('ip', ['netns', 'exec', name, process.execPath, '--import', 'tsx', join(REPO, 'test/ipvs/netns-relay.ts'), ...specs], { cwd: REPO, stdin: true });
      await relay.waitForLine('the netns relay to listen', /^ready$/m, deadlineMs);
    },
  };
}

/** One HTTP request over a Unix socket (the relay's host end), with a deadline. */
export function overUnix(socketPath: string, path: string, o: { method?: string; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: o.method ?? 'GET', timeout: o.timeoutMs ?? 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer within ${o.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end();
  });
}
