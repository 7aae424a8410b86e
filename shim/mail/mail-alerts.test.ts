import { describe, expect, it } from 'vitest';
import { configFrom } from '../../test/helpers/config-from.ts';
import { eventually } from '../../test/helpers/eventually.ts';
import { keepalivedConf } from '../../test/vrrp/conf.ts';
import type { SendResult } from '../../core/mail/smtp-dialogue.ts';
import { MailAlerts } from './mail-alerts.ts';

const conf = configFrom(keepalivedConf('R', [{ priority: 100, vip: '10.0.0.100' }], ['notification_email {', '  a@b', '}', 'smtp_server 127.0.0.1 2525', 'smtp_alert']));

function recorder() {
  const lines: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  return { lines, log: (msg: string, fields?: Record<string, unknown>) => void lines.push({ msg, fields }) };
}

describe('MailAlerts: mail never holds anything up', () => {
  it('a mail server that never answers: the queue stops at its bound and the rest is dropped, counted', async () => {
    const { log } = recorder();
    const sends: string[] = [];
    const alerts = MailAlerts.create(conf, log, (_s, m, _d, signal) => {
      sends.push(m.subject);
      return new Promise<SendResult>((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, stage: 'HELO', reason: 'aborted', message: 'stopped' })));
    });
    const states = ['MASTER', 'BACKUP'] as const;
    for (let i = 0; i < 150; i++) alerts.instance('VI_1', states[i % 2]!);
    // One in flight, QUEUE_MAX (100) waiting, the other 49 dropped.
    expect(sends).toHaveLength(1);
    expect(alerts.dropped).toBe(49);
    await alerts.close(10);
    expect(alerts.failures.get('HELO')).toBe(1);
  });

  it('a burst of failures is logged once, and the first delivery after it says so', async () => {
    const { lines, log } = recorder();
    let up = false;
    const alerts = MailAlerts.create(conf, log, async () => (up ? { ok: true } : { ok: false, stage: 'connect', reason: 'connect_refused', message: 'refused' }));
    alerts.instance('VI_1', 'BACKUP');
    alerts.instance('VI_1', 'MASTER');
    alerts.instance('VI_1', 'FAULT');
    await eventually('three failed sends', () => alerts.failures.get('connect') === 3, { timeoutMs: 5000 });
    expect(lines.filter((l) => l.msg === 'smtp alert not sent')).toHaveLength(1);
    up = true;
    alerts.instance('VI_1', 'BACKUP');
    await eventually('one mail sent', () => alerts.sent === 1, { timeoutMs: 5000 });
    expect(lines.find((l) => l.msg === 'smtp alert delivered again')?.fields).toMatchObject({ failedBefore: 3 });
    await alerts.close(10);
  });

  it('the same state twice in a row sends one mail, as keepalived’s last_email_state', async () => {
    const got: string[] = [];
    const alerts = MailAlerts.create(conf, () => {}, async (_s, m) => (got.push(m.subject), { ok: true }));
    alerts.instance('VI_1', 'MASTER');
    alerts.instance('VI_1', 'MASTER');
    alerts.instance('VI_1', 'BACKUP');
    await eventually('two mails', () => alerts.sent === 2, { timeoutMs: 5000 });
    expect(got).toEqual(['[R] VRRP Instance VI_1 - Entering MASTER state', '[R] VRRP Instance VI_1 - Entering BACKUP state']);
    await alerts.close(10);
  });

  it('SIGHUP: a file without notification_email stops the mail; one with it starts it again', async () => {
    const got: string[] = [];
    const alerts = MailAlerts.create(configFrom(keepalivedConf('R', [{ priority: 100, vip: '10.0.0.100' }])), () => {}, async (_s, m) => (got.push(m.subject), { ok: true }));
    alerts.instance('VI_1', 'BACKUP');
    alerts.reload(conf);
    alerts.instance('VI_1', 'MASTER');
    await eventually('one mail sent', () => alerts.sent === 1, { timeoutMs: 5000 });
    alerts.reload(configFrom(keepalivedConf('R', [{ priority: 100, vip: '10.0.0.100' }])));
    alerts.instance('VI_1', 'FAULT');
    alerts.reload(conf);
    alerts.instance('VI_1', 'BACKUP');
    await eventually('two mails sent', () => alerts.sent === 2, { timeoutMs: 5000 });
    expect(got).toEqual(['[R] VRRP Instance VI_1 - Entering MASTER state', '[R] VRRP Instance VI_1 - Entering BACKUP state']);
    await alerts.close(10);
  });
});
