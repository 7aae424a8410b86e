/**
 * Tracking end to end: a weighted track_file and an unweighted track_script
 * move the address between two shims; the Board's verdict, fed through the
 * stand-in verdict file, does the same; notify scripts and the FIFO report it.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keepalivedConf, type InstanceConf } from './conf.ts';
import { ip, Lab, labUnavailable, waitFor, type Director, type Proc } from './lab.ts';

const skip = labUnavailable();
if (skip) console.log(`test/vrrp/tracking: skipped: ${skip}`);
const DEADLINE_MS = 8_000;

describe.skipIf(!!skip)('tracked objects move the address', () => {
  let lab: Lab;
  let a: Director;
  let b: Director;
  let vip: string;
  const running: Proc[] = [];

  beforeAll(() => {
    lab = new Lab(2, 15).create();
    [a, b] = lab.directors as [Director, Director];
    vip = lab.vip();
  });
  afterEach(async () => {
    await lab.endScenario(running, `${vip}/24`);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  const start = (d: Director, name: string, conf: Partial<InstanceConf> & { priority: number }, top: string[] = [], extra: string[] = []) => {
    const text = top.join('\n') + '\n' + keepalivedConf(name, [{ version: 3, vip: `${vip}/24`, ...conf }], [`vrrp_notify_fifo ${lab.dir}/${name}.fifo`]);
    const p = lab.shim(d, name, lab.write(`${name}.conf`, text), ['--config-id', name, ...extra]);
    running.push(p);
    return p;
  };
  const holderIs = (d: Director) => waitFor(() => (lab.holders(vip).map((h) => h.ns).join() === d.ns ? true : undefined), DEADLINE_MS);
  const why = (...procs: Proc[]) => procs.map((p) => `--- ${p.name}\n${p.output().slice(-2500)}`).join('\n');

  it('track_file with a weight lowers the master below the backup, which preempts; notify runs with keepalived arguments', async () => {
    const file = lab.write('weight', '0\n');
    const notifyLog = `${lab.dir}/notify.log`;
    const script = lab.write('notify.sh', `#!/bin/sh\necho "$@" >> ${notifyLog}\n`);
    ip(['netns', 'exec', a.ns, 'chmod', '755', script]);
    const top = [`vrrp_track_file tf {`, `  file ${file}`, '}'];
    const pa = start(a, 'ta', { priority: 150, extra: ['track_file {', '  tf weight -10', '}', `notify ${script}`] }, top);
    const pb = start(b, 'tb', { priority: 120 });
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    writeFileSync(file, '5\n'); // 150 − 50 = 100 < 120
    expect(await holderIs(b), why(pa, pb)).toBe(true);
    expect(await waitFor(() => (/INSTANCE VI_1 BACKUP 100/.test(lab.read('notify.log')) ? true : undefined), DEADLINE_MS), lab.read('notify.log')).toBe(true);
    expect(lab.read('notify.log')).toMatch(/INSTANCE VI_1 MASTER 150/);
    writeFileSync(file, '0\n');
    expect(await holderIs(a), why(pa, pb)).toBe(true);
  });

  it('an unweighted track_script failure is FAULT', async () => {
    const flag = lab.write('ok', '');
    const top = ['vrrp_script chk {', `  script "/usr/bin/test -e ${flag}"`, '  interval 0.2', '}'];
    const pa = start(a, 'sa', { priority: 150, extra: ['track_script {', '  chk', '}'] }, top);
    const pb = start(b, 'sb', { priority: 100 });
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    ip(['netns', 'exec', a.ns, 'rm', '-f', flag]);
    expect(await holderIs(b), why(pa, pb)).toBe(true);
    expect(await waitFor(() => (lab.status('sa')?.instances[0]?.state === 'FAULT' ? true : undefined), DEADLINE_MS)).toBe(true);
  });

  it("the Board's verdict, weighted like a script, hands the address over when it says down", async () => {
    const verdict = lab.write('verdict', 'up\n');
    const pa = start(a, 'ba', { priority: 150 }, [], ['--board-weight', '-60', '--board-verdict-file', verdict]);
    const pb = start(b, 'bb', { priority: 120 });
    expect(await holderIs(a), why(pa, pb)).toBe(true);
    writeFileSync(verdict, 'unknown\n'); // unknown holds still
    await new Promise((r) => setTimeout(r, 1500));
    expect(lab.holders(vip).map((h) => h.ns)).toEqual([a.ns]);
    writeFileSync(verdict, 'down\n');
    expect(await holderIs(b), why(pa, pb)).toBe(true);
    expect(lab.status('ba')?.instances[0]?.priority).toBe(90);
  });
});
