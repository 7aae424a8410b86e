/**
 * The control plane with the LeaseKeeper in workerd (wrangler dev, local),
 * restartable on the same port with the same persisted state: a Board restart
 * in the chaos suite is a real process restart, storage kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalSecrets } from '../../shim/local/local-secrets.ts';

const ROOT = join(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class WorkerdKeeper {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'vigil-chaos-'));
  private port = 0;
  private inspector = 0;

  constructor(private readonly secrets: LocalSecrets) {
    writeFileSync(join(this.dir, 'dev.env'), `VIGIL_SIGNING_KEY=${secrets.signingKey}\nVIGIL_TOKENS='${secrets.records}'\n`, { mode: 0o600 });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(readyDeadlineMs = 90_000): Promise<void> {
    if (!this.port) [this.port, this.inspector] = [await freePort(), await freePort()];
    const args = ['dev', '--config', join(ROOT, 'workers/wrangler.jsonc'), '--local', '--ip', '127.0.0.1', '--port', String(this.port), '--inspector-port', String(this.inspector), '--env-file', join(this.dir, 'dev.env'), '--persist-to', join(this.dir, 'state'), '--show-interactive-dev-session=false', '--log-level', 'warn', '--var', 'EDGE_PRIVATE_TARGETS:probe'];
    let output = '';
    const child = spawn(join(ROOT, 'node_modules/.bin/wrangler'), args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: '1' } });
    child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-3000)));
    child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-3000)));
    this.child = child;
    const deadline = Date.now() + readyDeadlineMs;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        if ((await fetch(`${this.url}/v1/keys`, { signal: AbortSignal.timeout(2000) })).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await this.stop();
    throw new Error(`wrangler dev (chaos worker) did not become ready: ${output.slice(-1500)}`);
  }

  /** Ends wrangler and its workerd (own process group); state on disk stays for the next start. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const hard = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 5000);
    await exited;
    clearTimeout(hard);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
