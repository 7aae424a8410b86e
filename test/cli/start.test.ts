import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

describe('npm start (vigil start)', () => {
  it('runs the checks on the embedded default and shows the flapping backend go down and come back', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/vigil.js'), 'start', '--flap-ms', '3000', '--for-ms', '11000'], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    const flapping = /backend b \(flapping\): http:\/\/127\.0\.0\.1:(\d+)\/health/.exec(out)?.[1];
    expect(flapping).toBeDefined();
    const down = out.indexOf(`127.0.0.1:${flapping} DOWN`);
    const up = out.indexOf(`127.0.0.1:${flapping} UP`, down);
    expect(down, out).toBeGreaterThan(0);
    expect(up, out).toBeGreaterThan(down);
    expect(out).toContain('stopped');
  }, 30_000);

  it('stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/vigil.js'), 'start'], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (out.includes('backend c')) {
          clearInterval(t);
          r();
        }
      }, 100);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(out).toContain('stopped');
  }, 30_000);
});
