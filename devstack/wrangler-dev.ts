import { projectRoot } from './project-root.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalSecrets } from './local-secrets.ts';

const ROOT = projectRoot(import.meta.dirname);

export interface WranglerDevOptions {
  secrets: LocalSecrets;
  /** Extra `--var NAME:value` settings (not secrets: those go in the 0600 env file). */
  vars?: Record<string, string>;
  readyDeadlineMs?: number;
  /** Listen on this port (a restart on the same address); default: a free one. */
  port?: number;
  /** Durable Object storage here, left in place by stop(), so a restart keeps it; default: a temporary folder removed at stop. */
  persistTo?: string;
  log?: (line: string) => void;
}

export interface WranglerDev {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The Worker in workerd through `wrangler dev`, local mode, no account: own
 * process group (so stop() ends wrangler and its workerd together), state in a
 * temporary folder, secrets in a 0600 env file there (never on the command
 * line, never in the repository). Ready when /v1/keys answers.
 */
export async function startWranglerDev(o: WranglerDevOptions): Promise<WranglerDev> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-dev-'));
  const envFile = join(dir, 'dev.env');
  writeFileSync(envFile, `VIGIL_SIGNING_KEY=${o.secrets.signingKey}\nVIGIL_TOKENS='${o.secrets.records}'\n`, { mode: 0o600 });
  chmodSync(envFile, 0o600);
  const port = o.port ?? (await freePort());
  const inspector = await freePort();
  const args = ['dev', '--config', join(ROOT, 'workers/wrangler.jsonc'), '--local', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), '--env-file', envFile, '--persist-to', o.persistTo ?? join(dir, 'state'), '--show-interactive-dev-session=false', '--log-level', 'warn'];
  for (const [k, v] of Object.entries(o.vars ?? {})) args.push('--var', `${k}:${v}`);
  const child: ChildProcess = spawn(join(ROOT, 'node_modules/.bin/wrangler'), args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: '1' } });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
    // Offline, wrangler's own update check fails (ENOTFOUND workers.cloudflare.com): not worth a line.
    for (const line of d.toString().split('\n')) if (line.trim() && /error|✘/i.test(line) && !/ENOTFOUND/.test(line)) o.log?.(`wrangler: ${line.trim()}`);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    const hard = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(hard);
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (o.readyDeadlineMs ?? 90_000);
  let dead = false;
  void exited.then(() => (dead = true));
  while (Date.now() < deadline && !dead) {
    try {
      const res = await fetch(`${url}/v1/keys`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return { url, pid: child.pid!, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not become ready: ${output.slice(-1500)}`);
}
