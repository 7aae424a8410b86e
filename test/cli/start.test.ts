import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
/** delay_loop of the flapping real server in infra/local/keepalived.conf. */
const INTERVAL_MS = 2000;

const at = (line: string) => {
  const [h, m, s] = line.slice(0, 12).split(':').map(Number);
  return ((h! * 60 + m!) * 60 + s!) * 1000;
};

describe('npm start (vigil start)', () => {
  it('runs the Worker in workerd with three vantage points; the flapping backend goes down and up in the signed verdicts', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/vigil.js'), 'start', '--flap-ms', '5000', '--for-ms', '14000'], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code, out).toBe(0);
    expect(out).toMatch(/Worker http:\/\/127\.0\.0\.1:\d+ \(OpenAPI/);
    expect(out).not.toContain('snapshot rejected');
    const port = /backend b \(flapping\): http:\/\/127\.0\.0\.1:(\d+)\/health/.exec(out)?.[1];
    expect(port, out).toBeDefined();
    const lines = out.split('\n');
    const stopLine = lines.find((l) => l.includes(`stopping backend b (flapping) on port ${port}`));
    const startLine = lines.find((l) => l.includes(`starting backend b (flapping) on port ${port}`));
    const downLine = lines.find((l) => l.includes(`127.0.0.1:${port} DOWN`));
    expect(stopLine && startLine && downLine, out).toBeTruthy();
    const upLine = lines.slice(lines.indexOf(downLine!)).find((l) => l.includes(`127.0.0.1:${port} UP`));
    expect(upLine, out).toBeDefined();
    // Down within two intervals of the backend stopping, up within two of it starting.
    expect(at(downLine!) - at(stopLine!), out).toBeLessThanOrEqual(2 * INTERVAL_MS);
    expect(at(upLine!) - at(startLine!), out).toBeLessThanOrEqual(2 * INTERVAL_MS);
    expect(downLine).toMatch(/connect_refused/); // the vantage points' words come with the verdict
    expect(out).toContain('stopped');
  }, 120_000);

  it('stops cleanly on SIGINT, taking wrangler and workerd with it', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/vigil.js'), 'start'], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (out.includes('vantage points dc1')) {
          clearInterval(t);
          r();
        }
      }, 100);
    });
    const port = /Worker http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(out).toContain('stopped');
    // Nothing answers on the Worker's port any more.
    await expect(fetch(`http://127.0.0.1:${port}/v1/keys`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  }, 120_000);
});
