/**
 * Tracking end to end: a weighted track_file and an unweighted track_script
 * move the address between two shims; notify scripts and the FIFO report it.
 * The Board's verdict as a tracked object: board-tracking.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf, type InstanceConf } from './conf.ts';
import { ip, Lab, labUnavailable, type Director, type Proc } from './lab.ts';
import { holderIs } from './watch.ts';

const skip = labUnavailable();
const DEADLINE_MS = 8_000;

describe.skipIf(!!skip)(skipTitle('tracked objects move the address', skip), () => {
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
  const why = (...procs: Proc[]) => procs.map((p) => `--- ${p.name}\n${p.output().slice(-2500)}`).join('\n');
  const held = (d: Director, ...procs: Proc[]) => holderIs(lab, vip, d, DEADLINE_MS, () => why(...procs));

  it('track_file with a weight lowers the master below the backup, which preempts; notify runs with keepalived arguments', async () => {
    const file = lab.write('weight', '0\n');
    const notifyLog = `${lab.dir}/notify.log`;
    const script = lab.write('notify.sh', `#!/bin/sh\necho "$@" >> ${notifyLog}\n`);
    ip(['netns', 'exec', a.ns, 'chmod', '755', script]);
    const top = [`vrrp_track_file tf {`, `  file ${file}`, '}'];
    const pa = start(a, 'ta', { priority: 150, extra: ['track_file {', '  tf weight -10', '}', `notify ${script}`] }, top);
    const pb = start(b, 'tb', { priority: 120 });
    await held(a, pa, pb);
    writeFileSync(file, '5\n'); // 150 − 50 = 100 < 120
    await held(b, pa, pb);
    await eventually('notify to run for BACKUP at priority 100', () => /INSTANCE VI_1 BACKUP 100/.test(lab.read('notify.log')), { timeoutMs: DEADLINE_MS, detail: () => lab.read('notify.log') });
    expect(lab.read('notify.log')).toMatch(/INSTANCE VI_1 MASTER 150/);
    writeFileSync(file, '0\n');
    await held(a, pa, pb);
  });

  it('an unweighted track_script failure is FAULT', async () => {
    const flag = lab.write('ok', '');
    const top = ['vrrp_script chk {', `  script "/usr/bin/test -e ${flag}"`, '  interval 0.2', '}'];
    const pa = start(a, 'sa', { priority: 150, extra: ['track_script {', '  chk', '}'] }, top);
    const pb = start(b, 'sb', { priority: 100 });
    await held(a, pa, pb);
    ip(['netns', 'exec', a.ns, 'rm', '-f', flag]);
    await held(b, pa, pb);
    await eventually('the shim to report FAULT', () => lab.status('sa')?.instances[0]?.state === 'FAULT', { timeoutMs: DEADLINE_MS, detail: () => why(pa) });
  });
});
