import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { eventually, within } from '../helpers/eventually.ts';
import { INTERVAL_MS, launched, lineTimeMs, MARKER_VAR, ready, READY_MS, startVigil, STOP_MS, type Launched, type Run } from '../helpers/vigil-start.ts';

/** After a second signal: an immediate SIGKILL and exit. */
const ESCALATED_MS = 3000;
/** SIGKILLed processes are gone at once; their zombies wait for the reaper. */
const GONE_MS = 5000;
const TEST_MS = READY_MS + STOP_MS + 20_000;
const at = lineTimeMs;

/**
 * Live processes (zombies excluded: they are dead and wait for their reaper)
 * that belong to this run: in vigil's or wrangler's process group, carrying
 * the run's marker in their environment, or a wrangler/workerd whose command
 * line names the run's folder or port.
 */
function leftovers(run: Run, l: Launched, port?: number): string[] {
  const left: string[] = [];
  const read = (pid: string, what: string) => {
    try {
      return readFileSync(`/proc/${pid}/${what}`, 'utf8');
    } catch {
      return ''; // gone meanwhile
    }
  };
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = read(pid, 'stat');
    if (!stat) continue;
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z') continue;
    const cmd = read(pid, 'cmdline').replaceAll('\0', ' ');
    const inGroup = Number(pgrp) === run.d.pid || Number(pgrp) === l.pgid;
    const marked = read(pid, 'environ').split('\0').includes(`${MARKER_VAR}=${run.marker}`);
    const named = /workerd|wrangler/.test(cmd) && (cmd.includes(l.dir) || (port !== undefined && new RegExp(`:${port}\\b`).test(cmd)));
    if (inGroup || marked || named) left.push(`${pid} (${state}, group ${pgrp}) ${cmd.slice(0, 160)}`);
  }
  return left;
}

async function expectNothingLeft(run: Run, l: Launched, port?: number): Promise<void> {
  await eventually(
    `no process left from this run (wrangler group ${l.pgid}, ${l.dir})`,
    () => {
      const left = leftovers(run, l, port);
      if (left.length) throw new Error(`still running: ${left.join('; ')}`);
      return true;
    },
    { timeoutMs: GONE_MS },
  );
  expect(existsSync(l.dir), `wrangler's folder ${l.dir} (its secrets) left behind`).toBe(false);
  const tokens = /tokens for curl \(this run only\): (\S+)/.exec(run.d.output())?.[1];
  if (tokens) expect(existsSync(tokens), `token file ${tokens} left behind`).toBe(false);
}

/** What a connection to the port meets: refused is what "nothing answers" means. */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, timeout: 2000 });
    s.once('connect', () => (s.destroy(), resolve('connected')));
    s.once('timeout', () => (s.destroy(), resolve('timeout')));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

function expectCleanStop(run: Run, code: number | string, why: string): void {
  const out = run.d.output();
  expect(code, out).toBe(0);
  expect(out).toContain(`stopping (${why})`);
  expect(out.trimEnd().split('\n').at(-1), out).toMatch(/ stopped$/);
  // Neither bound of the stop was needed.
  expect(out).not.toMatch(/stop: not finished|still busy|still running/);
}

describe('npm start (vigil start)', () => {
  it('runs the Worker in workerd with three vantage points; the flapping backend goes down and up in the signed verdicts', async () => {
    const run = startVigil(['--flap-ms', '5000', '--for-ms', '14000']);
    const l = await launched(run);
    const worker = await ready(run);
    const code = await within('vigil start --for-ms 14000 to stop by itself', run.d.exited, 14_000 + STOP_MS);
    const out = run.d.output();
    expectCleanStop(run, code, '--for-ms 14000 elapsed');
    expect(out).not.toContain('snapshot rejected');
    const port = /backend b \(flapping\): http:\/\/127\.0\.0\.1:(\d+)\/health/.exec(out)?.[1];
    expect(port, out).toBeDefined();
    const lines = out.split('\n');
    const stopLine = lines.find((line) => line.includes(`stopping backend b (flapping) on port ${port}`));
    const startLine = lines.find((line) => line.includes(`starting backend b (flapping) on port ${port}`));
    const downLine = lines.find((line) => line.includes(`127.0.0.1:${port} DOWN`));
    expect(stopLine && startLine && downLine, out).toBeTruthy();
    const upLine = lines.slice(lines.indexOf(downLine!)).find((line) => line.includes(`127.0.0.1:${port} UP`));
    expect(upLine, out).toBeDefined();
    // Down within two intervals of the backend stopping, up within two of it starting.
    expect(at(downLine!) - at(stopLine!), out).toBeLessThanOrEqual(2 * INTERVAL_MS);
    expect(at(upLine!) - at(startLine!), out).toBeLessThanOrEqual(2 * INTERVAL_MS);
    expect(downLine).toMatch(/connect_refused/); // the vantage points' words come with the verdict
    await expectNothingLeft(run, l, worker);
  }, TEST_MS);

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('stops on %s once everything is up: exit 0, `stopped`, nothing answers on the Worker\'s port, no wrangler or workerd left', async (sig) => {
    const run = startVigil();
    const l = await launched(run);
    const port = await ready(run);
    expect(await connectOutcome(port), 'the Worker answering before the signal').toBe('connected');
    run.d.signal(sig);
    const code = await within(`vigil start to exit after ${sig}`, run.d.exited, STOP_MS);
    expectCleanStop(run, code, sig);
    expect(await connectOutcome(port), `the Worker's port ${port} after the stop`).toBe('ECONNREFUSED');
    await expectNothingLeft(run, l, port);
  }, TEST_MS);

  const launchedOnly = async () => true;
  const workerdRunning = (run: Run, l: Launched) => eventually('a workerd of this run to be running', () => leftovers(run, l).some((p) => /\bworkerd serve\b/.test(p)), { timeoutMs: READY_MS });
  it.each([
    ['SIGINT', 'as soon as wrangler is launched', launchedOnly],
    ['SIGTERM', 'while workerd starts (its process running)', workerdRunning],
  ] as const)('stops on %s %s, before the Worker is ready, and leaves nothing', async (sig, _moment, reached) => {
    const run = startVigil();
    const l = await launched(run);
    await reached(run, l);
    run.d.signal(sig);
    const code = await within(`vigil start to exit after ${sig} during start-up`, run.d.exited, STOP_MS);
    expectCleanStop(run, code, sig);
    expect(run.d.output(), 'the signal landed before the Worker was ready').not.toContain('vigil local: Worker');
    await expectNothingLeft(run, l);
  }, TEST_MS);

  it('on a second signal during the stop, kills wrangler\'s group at once, exits non-zero and still leaves nothing', async () => {
    const run = startVigil();
    const l = await launched(run);
    const port = await ready(run);
    run.d.signal('SIGINT');
    await run.d.waitForLine('the stop to begin', /stopping \(SIGINT\)/, STOP_MS);
    run.d.signal('SIGINT');
    const code = await within('vigil start to exit promptly after a second SIGINT', run.d.exited, ESCALATED_MS);
    expect(code, run.d.output()).toBe(130);
    expect(run.d.output()).toMatch(new RegExp(`SIGINT again: killed wrangler's process group ${l.pgid}; exiting`));
    await expectNothingLeft(run, l, port);
    expect(await connectOutcome(port), `the Worker's port ${port} after the stop`).toBe('ECONNREFUSED');
  }, TEST_MS);
});
