/**
 * keepalived's smtp_alert mail for VRRP transitions, the shim's against Debian's
 * keepalived 2.2.7: the same keepalived.conf, run by each in turn in the same
 * network namespace, a real SMTP server (python3-aiosmtpd) on the namespace's
 * loopback receiving both. Each entry of the two instances and their sync
 * group into BACKUP (at start) and MASTER is compared field by field, the Date's value aside. A mail server that is not
 * there costs the shim nothing: it still takes the address, and says so once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf } from '../vrrp/conf.ts';
import { keepalivedUnavailable, Lab, labUnavailable, type Director, type Proc } from '../vrrp/lab.ts';
import { eventually } from '../helpers/eventually.ts';
import { aiosmtpdUnavailable, PYTHON, readMailbox, SINK, subjectOf, waitForMail } from './mailbox.ts';
import { expectSameMail } from './same-mail.ts';

const skip = labUnavailable() ?? keepalivedUnavailable() ?? aiosmtpdUnavailable();
const DEADLINE_MS = 30_000;

function mailConf(vip: string, smtpPort: number, vip2: string, timeoutS = 5): string {
  const group = ['vrrp_sync_group G1 {', '  group {', '    VI_1', '    VI_2', '  }', '  smtp_alert', '}'].join('\n');
  return `${group}\n${keepalivedConf('DIRECTOR-1', [{ priority: 100, vip: `${vip}/24` }, { name: 'VI_2', vrid: 52, priority: 100, vip: `${vip2}/24` }], [
    'notification_email {',
    '    ops@example.org',
    '    noc@example.org',
    '  }',
    'notification_email_from vigil-test@example.org',
    `smtp_server 127.0.0.1 ${smtpPort}`,
    'smtp_helo_name director1.example.org',
    `smtp_connect_timeout ${timeoutS}`,
    'smtp_alert_vrrp',
  ])}`;
}

const BACKUP = '[DIRECTOR-1] VRRP Instance VI_1 - Entering BACKUP state';
const MASTER = '[DIRECTOR-1] VRRP Instance VI_1 - Entering MASTER state';
const GROUP_BACKUP = '[DIRECTOR-1] VRRP Group G1 - Entering BACKUP state';
const GROUP_MASTER = '[DIRECTOR-1] VRRP Group G1 - Entering MASTER state';
const ALL = [BACKUP, MASTER, BACKUP.replace('VI_1', 'VI_2'), MASTER.replace('VI_1', 'VI_2'), GROUP_BACKUP, GROUP_MASTER];

describe.skipIf(!!skip)(skipTitle('smtp_alert mail for VRRP transitions, as keepalived 2.2.7 sends it', skip), () => {
  let lab: Lab;
  let d: Director;
  let vip: string;

  beforeAll(() => {
    lab = new Lab(1, 17).create();
    d = lab.directors[0]!;
    vip = lab.vip();
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  async function sink(name: string, port: number): Promise<{ proc: Proc; dir: string }> {
    const dir = join(lab.dir, name);
    const proc = lab.spawnIn(d, name, [PYTHON, SINK, '127.0.0.1', String(port), dir]);
    await proc.daemon.waitForLine(`${name} to listen`, /listening/, DEADLINE_MS);
    return { proc, dir };
  }

  /** Runs one daemon until it has mailed BACKUP then MASTER for each instance and the group, then stops it (its STOP mails, if any, are not compared). */
  async function mailsFrom(kind: 'keepalived' | 'shim', port: number) {
    const box = await sink(`sink-${kind}`, port);
    const conf = lab.write(`${kind}.conf`, mailConf(vip, port, lab.vip(101)));
    const p = kind === 'keepalived' ? lab.keepalived(d, kind, conf) : lab.shim(d, kind, conf);
    try {
      await eventually(`${kind} to hold ${vip}`, () => lab.addresses(d).includes(vip), { timeoutMs: DEADLINE_MS, detail: () => p.output().slice(-2000) });
      return await waitForMail(box.dir, ALL, DEADLINE_MS, () => p.output().slice(-3000));
    } finally {
      await lab.stop(p);
      await lab.stop(box.proc);
    }
  }

  it('the shim mails the same instance and sync group transitions as keepalived: envelope, headers, body', async () => {
    const theirs = await mailsFrom('keepalived', 2525);
    const ours = await mailsFrom('shim', 2526);
    expect(theirs.map(subjectOf)).toEqual(ALL);
    for (let i = 0; i < theirs.length; i++) expectSameMail(ours[i]!, theirs[i]!);
    // Whole mailboxes, both daemons stopped: the same mails (keepalived's "Stopping" ones never leave it at exit, and the shim sends none).
    const all = (name: string) => readMailbox(join(lab.dir, name)).map(subjectOf).sort();
    expect(all('sink-shim')).toEqual(all('sink-keepalived'));
    // Mail comes in the order of the transitions: each BACKUP (at start) before its MASTER.
    const order = readMailbox(join(lab.dir, 'sink-shim')).map(subjectOf);
    for (const [a, b] of [[BACKUP, MASTER], [GROUP_BACKUP, GROUP_MASTER]] as const) expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
  }, 120_000);

  it('with no SMTP server listening the shim still takes the address, and logs the failure once for the burst', async () => {
    const conf = lab.write('nomail.conf', mailConf(vip, 2599, lab.vip(101)));
    const p = lab.shim(d, 'shim-nomail', conf);
    try {
      await eventually(`the shim to hold ${vip} with its mail server down`, () => lab.addresses(d).includes(vip), { timeoutMs: DEADLINE_MS, detail: () => p.output().slice(-2000) });
      // The MASTER mail was attempted after the BACKUP one: its failure is the later event to wait for.
      await p.daemon.waitForLine('the state log for MASTER', /"msg":"state".*"to":"MASTER"/, DEADLINE_MS);
      const lines = () => p.output().split('\n').filter((l) => l.includes('"smtp alert not sent"'));
      const first = await eventually('the shim to log that smtp_alert mail was not sent', () => lines()[0], { timeoutMs: DEADLINE_MS, detail: () => p.output().slice(-2000) });
      expect(first).toContain('"stage":"connect"');
      expect(first).toContain('127.0.0.1:2599');
    } finally {
      await lab.stop(p);
    }
    // A graceful exit waits for the queue: by now every mail has failed (BACKUP and MASTER for two instances and the group); one burst, one line.
    expect(p.output(), 'the shim to stop gracefully').toContain('"msg":"stopped"');
    expect(p.output().split('\n').filter((l) => l.includes('"smtp alert not sent"'))).toHaveLength(1);
  }, 120_000);

  it('a mail server that accepts and never answers: the shim takes the address while the mail waits, then gives it up as a timeout', async () => {
    // Accepts (the kernel's backlog does) and never says a word.
    const silent = lab.spawnIn(d, 'silent-smtp', [PYTHON, '-c', "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('127.0.0.1',2598))\ns.listen(64)\nprint('listening',flush=True)\nkeep=[]\nwhile True:\n  keep.append(s.accept())\n"]);
    await silent.daemon.waitForLine('the silent server to listen', /listening/, DEADLINE_MS);
    const p = lab.shim(d, 'shim-silent', lab.write('silent.conf', mailConf(vip, 2598, lab.vip(101), 1)));
    try {
      await eventually(`the shim to hold ${vip} while its first mail hangs`, () => lab.addresses(d).includes(vip), { timeoutMs: DEADLINE_MS, detail: () => p.output().slice(-2000) });
      const line = await p.daemon.waitForLine('the first mail to time out', /"msg":"smtp alert not sent".*/, DEADLINE_MS);
      expect(line[0]).toContain('"stage":"(E)SMTP"');
      expect(line[0]).toContain('"reason":"read_timeout"');
      // The address moved before the mail gave up: nothing waited for it.
      const out = p.output();
      expect(out.indexOf('"to":"MASTER"'), 'MASTER logged before the mail failure').toBeLessThan(out.indexOf('"smtp alert not sent"'));
    } finally {
      await lab.stop(p);
      await lab.stop(silent);
    }
  }, 120_000);
});
