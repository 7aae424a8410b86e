import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { spawnDaemon, type Daemon } from './daemon.ts';

const ROOT = join(import.meta.dirname, '../..');
/** wrangler's first start on a cold machine bundles the Worker and starts two workerd: generous. */
export const READY_MS = 90_000;
/** vigil start bounds its own stop at 15 s; past that it is broken. */
export const STOP_MS = 20_000;
/** delay_loop of the flapping real server in devstack/keepalived.conf. */
export const INTERVAL_MS = 2000;
export const MARKER_VAR = 'VIGIL_START_TEST_RUN';

export interface Run {
  d: Daemon;
  /** In the environment of `vigil start`, so of everything it starts: wrangler, esbuild, workerd. */
  marker: string;
}

/** `vigil start` (what `npm start` runs) as its own process group, marked so that whatever it starts can be found. */
export function startVigil(args: string[] = []): Run {
  const marker = randomUUID();
  const d = spawnDaemon(process.execPath, [join(ROOT, 'bin/vigil.js'), 'start', ...args], { cwd: ROOT, env: { ...process.env, [MARKER_VAR]: marker } });
  return { d, marker };
}

export interface Launched {
  /** wrangler's pid and process group. */
  pgid: number;
  /** wrangler's temporary folder (secrets, state), on its command line. */
  dir: string;
}

export async function launched(run: Run): Promise<Launched> {
  const m = await run.d.waitForLine('wrangler dev to be launched', /wrangler dev: pid (\d+) \(its own process group\), files in (\S+)/, READY_MS);
  return { pgid: Number(m[1]), dir: m[2]! };
}

/** The Worker's port, once everything is up; fails naming the transcript if it was never printed. */
export async function ready(run: Run): Promise<number> {
  await run.d.waitForLine('the vantage points to start (everything up)', /vantage points dc1, dc2, dc3/, READY_MS);
  const port = /vigil local: Worker http:\/\/127\.0\.0\.1:(\d+) \(OpenAPI/.exec(run.d.output())?.[1];
  if (!port) throw new Error(`vigil start printed no Worker address:\n${run.d.output()}`);
  return Number(port);
}

/** A line's time of day in ms, from `vigil start`'s `HH:MM:SS.mmm` prefix (UTC). */
export function lineTimeMs(line: string): number {
  const [h, m, s] = line.slice(0, 12).split(':').map(Number);
  return ((h! * 60 + m!) * 60 + s!) * 1000;
}
