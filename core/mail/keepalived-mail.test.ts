import { describe, expect, it } from 'vitest';
import { configFrom } from '../../test/helpers/config-from.ts';
import { alertPolicy, instanceMail, mailSettings, quorumMail, realServerMail, startupQuorumMail } from './keepalived-mail.ts';
import { dialogue, messageText, rfc822Date } from './smtp-dialogue.ts';

const HOST = { localName: 'dir1.example.org', userName: 'root' };

const services = `
virtual_server 10.0.0.1 80 {
  protocol TCP
  quorum 2
  hysteresis 1
  real_server 192.168.1.1 80 {
    TCP_CHECK {
    }
  }
  real_server 192.168.1.2 8080 {
    smtp_alert off
    HTTP_GET {
      url {
        path /
      }
    }
  }
}
virtual_server 10.0.0.2 443 {
  protocol TCP
  smtp_alert
  real_server 192.168.1.3 443 {
  }
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    10.0.0.100
  }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  priority 100
  smtp_alert
  virtual_ipaddress {
    10.0.0.101
  }
}
`;

describe('who gets smtp_alert mail (keepalived 2.2.7 defaults)', () => {
  it('nothing at all without notification_email or smtp_server', () => {
    expect(mailSettings(configFrom('global_defs {\n smtp_server 127.0.0.1\n}\n').globalDefs, HOST)).toBeNull();
    expect(mailSettings(configFrom('global_defs {\n notification_email {\n a@b\n }\n}\n').globalDefs, HOST)).toBeNull();
  });

  it('defaults from the host: port 25, 30 s, router_id, HELO name and sender from its name', () => {
    const s = mailSettings(configFrom('global_defs {\n notification_email {\n a@b\n c@d\n }\n smtp_server 10.1.1.1\n}\n').globalDefs, HOST);
    expect(s).toEqual({ to: ['a@b', 'c@d'], from: 'root@dir1.example.org', host: '10.1.1.1', port: 25, heloName: 'dir1.example.org', timeoutMs: 30_000, routerId: 'dir1.example.org' });
  });

  it('a real server mails unless told not to; a virtual server and an instance only when told to', () => {
    const c = configFrom(services);
    const p = alertPolicy(c);
    const [vs1, vs2] = c.virtualServers;
    expect(p.realServer(vs1!, vs1!.realServers[0]!)).toBe(true);
    expect(p.realServer(vs1!, vs1!.realServers[1]!)).toBe(false);
    expect(p.virtualServer(vs1!)).toBe(false);
    expect(p.virtualServer(vs2!)).toBe(true);
    expect(p.instance('VI_1')).toBe(false);
    expect(p.instance('VI_2')).toBe(true);
  });

  it('smtp_alert_checker and smtp_alert_vrrp win over smtp_alert; a block’s own word wins over both', () => {
    const c = configFrom(`global_defs {\n smtp_alert\n smtp_alert_checker false\n}\n${services}`);
    const p = alertPolicy(c);
    const [vs1, vs2] = c.virtualServers;
    expect(p.realServer(vs1!, vs1!.realServers[0]!)).toBe(false);
    expect(p.virtualServer(vs2!)).toBe(true);
    expect(p.instance('VI_1')).toBe(true);
    expect(alertPolicy(configFrom(`global_defs {\n smtp_alert_vrrp no\n}\n${services}`)).instance('VI_1')).toBe(false);
    expect(alertPolicy(configFrom(`global_defs {\n no_email_faults\n}\n${services}`)).faults).toBe(false);
  });
});

describe('the texts, as keepalived writes them', () => {
  const c = configFrom(services);
  const [vs1] = c.virtualServers;

  it('real server, quorum and instance subjects and bodies', () => {
    expect(realServerMail('R', vs1!, vs1!.realServers[0]!, false)).toEqual({ subject: '[R] Realserver [192.168.1.1]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN', body: '=> TCP CHECK failed on service <=' });
    expect(realServerMail('R', vs1!, vs1!.realServers[1]!, false).body).toBe('=> CHECK failed on service : HTTP request failed <=');
    expect(realServerMail('R', vs1!, vs1!.realServers[1]!, true)).toEqual({ subject: '[R] Realserver [192.168.1.2]:tcp:8080 of virtual server [10.0.0.1]:tcp:80 - UP', body: '=> CHECK succeed on service <=' });
    // Lost: held to quorum − hysteresis; gained: quorum + hysteresis.
    expect(quorumMail('R', vs1!, false, 0).body).toBe('=> Lost quorum 2+1=1 <= 0 <=');
    expect(quorumMail('R', vs1!, true, 3).body).toBe('=> Gained quorum 2+1=3 <= 3 <=');
    expect(startupQuorumMail('R', vs1!, true, 2)?.body).toBe('=> Starting with quorum up 2+1=3 <= 2 <=');
    expect(startupQuorumMail('R', vs1!, false, 0)).toBeNull();
    expect(instanceMail('R', 'VI_1', 'FAULT')).toEqual({ subject: '[R] VRRP Instance VI_1 - Entering FAULT state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' });
  });

  it('a subject is cut at 255 characters, as keepalived’s 256-byte buffer does', () => {
    expect(instanceMail('x'.repeat(300), 'VI_1', 'MASTER').subject).toHaveLength(255);
  });

  it('Date in strftime’s "%a, %d %b %Y %H:%M:%S %z" and the DATA block byte for byte', () => {
    const d = new Date(2026, 0, 5, 7, 8, 9);
    const off = -d.getTimezoneOffset();
    const zone = `${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}${String(Math.abs(off) % 60).padStart(2, '0')}`;
    expect(rfc822Date(d)).toBe(`Mon, 05 Jan 2026 07:08:09 ${zone}`);
    const s = mailSettings(configFrom('global_defs {\n notification_email {\n a@b\n c@d\n }\n notification_email_from k@e\n smtp_server 10.1.1.1 2525\n smtp_helo_name h\n}\n').globalDefs, HOST)!;
    const m = instanceMail('R', 'VI_1', 'MASTER');
    expect(messageText(s, m, d)).toBe(`Date: Mon, 05 Jan 2026 07:08:09 ${zone}\r\nFrom: k@e\r\nSubject: [R] VRRP Instance VI_1 - Entering MASTER state\r\nX-Mailer: Keepalived\r\nTo: a@b, c@d\r\n\r\n=> VRRP Instance is now owning VRRP VIPs <=\r\n\r\n.\r\n`);
    expect(dialogue(s, m, d).map((x) => [x.send?.split('\r\n')[0] ?? null, x.expect])).toEqual([
      [null, 220],
      ['HELO h', 250],
      ['MAIL FROM:<k@e>', 250],
      ['RCPT TO:<a@b>', 250],
      ['RCPT TO:<c@d>', 250],
      ['DATA', 354],
      [`Date: Mon, 05 Jan 2026 07:08:09 ${zone}`, 250],
      ['QUIT', 221],
    ]);
  });
});
