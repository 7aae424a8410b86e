import { projectRoot } from './project-root.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { VigilError } from '../core/errors.ts';
import { systemClock } from '../core/ports/clock.ts';
import { deadline, settlesWithin } from './deadlines.ts';
import type { LocalSecrets } from './local-secrets.ts';
import { forgetGroup, groupGone, rememberGroup, signalGroup } from './wrangler-groups.ts';

/** The checkout, found when wrangler is started (not at load: an installed vigil has none). */
const checkout = () => projectRoot(import.meta.dirname);
/** How long wrangler gets to take workerd down after SIGTERM before its group is SIGKILLed. */
const STOP_GRACE_MS = 5000;
/** After SIGKILL: how long until the group is gone (the kernel's part; never more than moments). */
const KILL_WAIT_MS = 2000;
const READY_POLL_MS = 250;
const READY_REQUEST_MS = 2000;

export interface WranglerDevOptions {
  secrets: LocalSecrets;
  /** Extra `--var NAME:value` settings (not secrets: those go in the 0600 env file). */
  vars?: Record<string, string>;
  /** More secrets for the 0600 env file (alert webhooks' VIGIL_WEBHOOK_… signing secrets). */
  extraSecrets?: Record<string, string>;
  readyDeadlineMs?: number;
  /** Listen on this port (a restart on the same address); default: one workerd binds itself (port 0) and wrangler reports. */
  port?: number;
  /** Durable Object storage here, left in place by stop(), so a restart keeps it; default: a temporary folder removed at stop. */
  persistTo?: string;
  log?: (line: string) => void;
  /** Aborted before the Worker is ready: the launched process group is stopped before the call rejects (with the signal's reason). */
  signal?: AbortSignal;
}

export interface WranglerDev {
  url: string;
  /** The port workerd bound, as wrangler reported it. */
  port: number;
  /** wrangler's pid, which is also its process group's id (workerd and esbuild are in that group). */
  pid: number;
  /** Ends the whole group: SIGTERM, SIGKILL after a grace, then waits (bounded) until none of it is left. Idempotent. */
  stop(): Promise<void>;
}

/** wrangler's message on its IPC channel once the Worker listens: the port is the one workerd actually bound. */
const DevServerReady = z.object({ event: z.literal('DEV_SERVER_READY'), ip: z.string(), port: z.number().int().positive() });

/**
 * A port that was free a moment ago. Racy (another process may take it before
 * its user binds it): startWranglerDev no longer uses it. Kept for callers
 * that must know a restart address before the first start.
 */
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
 * line, never in the repository). Unless a port is asked for, workerd binds
 * port 0 itself and wrangler reports the port on its IPC channel (wrangler
 * sends DEV_SERVER_READY to a parent that gave it one), so no port is picked
 * here and handed on; the inspector binds port 0 likewise (the CLI cannot
 * turn it off). Ready when /v1/keys answers.
 */
export async function startWranglerDev(o: WranglerDevOptions): Promise<WranglerDev> {
  o.signal?.throwIfAborted();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-dev-'));
  const envFile = join(dir, 'dev.env');
  const extra = Object.entries(o.extraSecrets ?? {}).map(([k, v]) => `${k}=${v}\n`).join('');
  writeFileSync(envFile, `VIGIL_SIGNING_KEY=${o.secrets.signingKey}\nVIGIL_TOKENS='${o.secrets.records}'\n${extra}`, { mode: 0o600 });
  chmodSync(envFile, 0o600);
  const ROOT = checkout();
  const args = ['dev', '--config', join(ROOT, 'workers/wrangler.jsonc'), '--local', '--ip', '127.0.0.1', '--port', String(o.port ?? 0), '--inspector-port', '0', '--env-file', envFile, '--persist-to', o.persistTo ?? join(dir, 'state'), '--show-interactive-dev-session=false', '--log-level', 'warn'];
  for (const [k, v] of Object.entries(o.vars ?? {})) args.push('--var', `${k}:${v}`);
  const child: ChildProcess = spawn(join(ROOT, 'node_modules/.bin/wrangler'), args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: '1' } });
  const exited = new Promise<void>((r) => {
    child.once('exit', () => r());
    child.once('error', () => r());
  });
  const pid = child.pid;
  if (pid === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new VigilError('ERR_INTERNAL', 'wrangler dev could not be started');
  }
  rememberGroup(pid, dir);
  o.log?.(`wrangler dev: pid ${pid} (its own process group), files in ${dir}`);

  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
    // Offline, wrangler's own update check fails (ENOTFOUND workers.cloudflare.com): not worth a line.
    for (const line of d.toString().split('\n')) if (line.trim() && /error|✘/i.test(line) && !/ENOTFOUND/.test(line)) o.log?.(`wrangler: ${line.trim()}`);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      signalGroup(pid, 'SIGTERM');
      if (!(await settlesWithin(exited, STOP_GRACE_MS))) {
        signalGroup(pid, 'SIGKILL');
        await settlesWithin(exited, KILL_WAIT_MS);
      }
      // The leader is gone; anything it left in its group goes too.
      signalGroup(pid, 'SIGKILL');
      await groupGone(pid, KILL_WAIT_MS);
      forgetGroup(pid, dir);
    })());

  // Gives up on the caller's abort, at the deadline, or when wrangler exits first.
  const readyMs = o.readyDeadlineMs ?? 90_000;
  const died = new AbortController();
  void exited.then(() => died.abort(new Error('wrangler exited')));
  const late = deadline(readyMs, 'wrangler dev');
  const giveUp = AbortSignal.any([died.signal, late.signal, ...(o.signal ? [o.signal] : [])]);
  try {
    const port = await reportedPort(child, giveUp);
    const url = `http://127.0.0.1:${port}`;
    while (!giveUp.aborted) {
      const request = deadline(READY_REQUEST_MS, 'GET /v1/keys');
      try {
        const res = await fetch(`${url}/v1/keys`, { signal: AbortSignal.any([giveUp, request.signal]) });
        await res.body?.cancel();
        if (res.ok) return { url, port, pid, stop };
      } catch {
        // not answering yet
      } finally {
        request.clear();
      }
      await systemClock.sleep(READY_POLL_MS, giveUp);
    }
  } catch {
    // giveUp aborted while waiting for the port: said below
  } finally {
    late.clear();
  }
  await stop();
  if (o.signal?.aborted) throw o.signal.reason;
  if (died.signal.aborted) throw new VigilError('ERR_INTERNAL', `wrangler dev exited before the Worker was ready: ${output.slice(-1500)}`);
  throw new VigilError('ERR_BOARD_TIMEOUT', `wrangler dev did not become ready within ${readyMs} ms: ${output.slice(-1500)}`);
}

/** The port from wrangler's DEV_SERVER_READY (a JSON string on the IPC channel); rejects when `giveUp` aborts. */
function reportedPort(child: ChildProcess, giveUp: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      let parsed: unknown;
      try {
        parsed = typeof m === 'string' ? JSON.parse(m) : m;
      } catch {
        return;
      }
      const ready = DevServerReady.safeParse(parsed);
      if (!ready.success) return;
      done();
      resolve(ready.data.port);
    };
    const onAbort = () => {
      done();
      reject(giveUp.reason);
    };
    const done = () => {
      child.off('message', onMessage);
      giveUp.removeEventListener('abort', onAbort);
    };
    if (giveUp.aborted) return onAbort();
    child.on('message', onMessage);
    giveUp.addEventListener('abort', onAbort, { once: true });
  });
}
