import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fifoLine, notifyCommands, Notifier } from './notify.ts';
import { readTrackFileValue } from './track-sources.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-notify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keepalived notifications', () => {
  it('writes the FIFO line keepalived writes', () => {
    expect(fifoLine('INSTANCE', 'VI_1', 'MASTER', 150)).toBe('INSTANCE "VI_1" MASTER 150\n');
    expect(fifoLine('GROUP', 'G', 'FAULT', 0)).toBe('GROUP "G" FAULT 0\n');
  });

  it('runs the state script as written and `notify` with its four arguments, as argv', () => {
    const cmds = notifyCommands(
      { master: { command: '/bin/m.sh "a b"' }, any: { command: '/bin/n.sh x' } },
      'INSTANCE',
      'VI_1',
      'MASTER',
      150,
    );
    expect(cmds.map((c) => c.argv)).toEqual([
      ['/bin/m.sh', 'a b'],
      ['/bin/n.sh', 'x', 'INSTANCE', 'VI_1', 'MASTER', '150'],
    ]);
    expect(notifyCommands({ backup: { command: '/bin/b' } }, 'GROUP', 'G', 'MASTER', 0)).toEqual([]);
  });

  it('runs scripts without a shell and feeds a real FIFO', async () => {
    const out = join(dir, 'args.txt');
    const script = join(dir, 'notify.sh');
    writeFileSync(script, `#!/bin/sh\nprintf '%s|' "$@" > ${out}\n`);
    chmodSync(script, 0o755);
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo], { timeout: 5000 }).status).toBe(0);
    // The config names root (as the test's own files are private to it).
    const n = new Notifier([fifo], () => {}, { scriptUser: { user: 'root' }, enableScriptSecurity: false });
    // A shell metacharacter in the name must reach the script as a plain argument.
    n.notify({ any: { command: script } }, 'INSTANCE', 'VI;1', 'BACKUP', 90);
    await n.drain(5000);
    expect(readFileSync(out, 'utf8')).toBe('INSTANCE|VI;1|BACKUP|90|');
    const r = spawnSync('timeout', ['5', 'head', '-n', '1', fifo], { encoding: 'utf8' });
    n.close();
    expect(r.stdout).toBe('INSTANCE "VI;1" BACKUP 90\n');
  });

  it('runs a notify script as nobody when the config names no user, and refuses one others can write under enable_script_security', async () => {
    const open = mkdtempSync(join(tmpdir(), 'vigil-notify-open-'));
    try {
      chmodSync(open, 0o777);
      const out = join(open, 'who.txt');
      const script = join(open, 'who.sh');
      writeFileSync(script, `#!/bin/sh\nid -un > ${out}\n`);
      chmodSync(script, 0o755);
      const lines: string[] = [];
      const n = new Notifier([], (msg, fields) => lines.push(`${msg} ${JSON.stringify(fields)}`));
      n.notify({ master: { command: script } }, 'INSTANCE', 'VI_1', 'MASTER', 100);
      await n.drain(5000);
      expect(readFileSync(out, 'utf8').trim()).toMatch(/^(nobody|keepalived_script)$/);
      chmodSync(script, 0o777);
      const secure = new Notifier([], (msg, fields) => lines.push(`${msg} ${JSON.stringify(fields)}`), { scriptUser: undefined, enableScriptSecurity: true });
      rmSync(out);
      secure.notify({ master: { command: script } }, 'INSTANCE', 'VI_1', 'MASTER', 100);
      await secure.drain(5000);
      expect(lines.join('\n')).toMatch(/notify script not run .*enable_script_security/);
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });

  it('reads track files as keepalived does', () => {
    const f = join(dir, 'track');
    for (const [text, value] of [['42\n', 42], ['-7', -7], ['0x10', 16], ['010', 8], ['junk', 0], ['', 0]] as const) {
      writeFileSync(f, text);
      expect(readTrackFileValue(f)).toBe(value);
    }
    expect(readTrackFileValue(join(dir, 'missing'))).toBe(0);
  });
});
