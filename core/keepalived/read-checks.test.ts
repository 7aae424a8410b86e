import { describe, expect, it } from 'vitest';
import { effectiveTiming, effectiveVirtualhost } from '../config/effective.ts';
import { ok, readText } from '../../test/helpers/read-config.ts';

const conf = `
vrrp_track_file tf {
  file /run/weight
}
virtual_server 192.0.2.1 443 {
  protocol TCP
  delay_loop 10
  virtualhost vs.example
  real_server 198.51.100.1 443 {
    weight 2
    connect_timeout 4
    SSL_GET {
      url {
        path /health
        digest 640205b7b0fc66c1ea91c463fac6334d
        status_code 200 301-302
        virtualhost url.example
        regex "ok|fine"
        regex_no_match
      }
      url {
        path /x
        digest sha256:${'ab'.repeat(32)}
      }
      http_protocol 1.1
      enable_sni
      sni_name sni.example
      vigil_tls_verify
      bindto 10.0.0.5
      connect_port 8443
      retry 2
    }
    HTTP_GET {
      url { path / }
      http_protocol 1.0C
      delay_before_retry 1.5
    }
    TCP_CHECK {
      connect_ip 198.51.100.9
      connect_port 22
      warmup 0
    }
    SMTP_CHECK {
      helo_name "mx test"
      host {
        connect_ip 198.51.100.2
        connect_port 587
      }
    }
    DNS_CHECK {
      type AAAA
      name example.org
    }
    MISC_CHECK {
      misc_path "/usr/bin/check 'a b'"
      misc_timeout 7
      misc_dynamic
      user nobody nogroup
    }
    PING_CHECK { retry 4 }
    UDP_CHECK {
      payload Ab12f 3
      require_reply 0x12
      min_reply_length 2
      max_reply_length 64
    }
    FILE_CHECK {
      track_file tf
      dynamic
      weight 3 reverse
    }
    BFD_CHECK { name bfd1 }
  }
}
`;

describe('every checker type reads with its own keywords', () => {
  it('reads each checker', () => {
    const c = ok(readText(conf.replace('require_reply 0x12', 'require_reply 12x4')));
    const vs = c.virtualServers[0]!;
    const rs = vs.realServers[0]!;
    const [ssl, http, tcp, smtp, dns, misc, ping, udp, file, bfd] = rs.checks;
    expect(ssl).toMatchObject({
      type: 'SSL_GET', httpProtocol: '1.1', enableSni: true, sniName: 'sni.example', tlsVerify: true, bindTo: '10.0.0.5', connectPort: 8443, retry: 2,
      urls: [
        { path: '/health', digest: '640205b7b0fc66c1ea91c463fac6334d', statusCodes: [{ from: 200, to: 200 }, { from: 301, to: 302 }], virtualhost: 'url.example', regex: 'ok|fine', regexNoMatch: true },
        { path: '/x', digest: 'sha256:' + 'ab'.repeat(32) },
      ],
    });
    expect(http).toMatchObject({ type: 'HTTP_GET', httpProtocol: '1.0C', delayBeforeRetryMs: 1500 });
    expect(tcp).toMatchObject({ type: 'TCP_CHECK', connectIp: '198.51.100.9', connectPort: 22, warmupMs: 0 });
    expect(smtp).toMatchObject({ type: 'SMTP_CHECK', heloName: 'mx test', hosts: [{ connectIp: '198.51.100.2', connectPort: 587 }] });
    expect(dns).toMatchObject({ type: 'DNS_CHECK', queryType: 'AAAA', name: 'example.org' });
    expect(misc).toMatchObject({ type: 'MISC_CHECK', miscPath: { command: "/usr/bin/check 'a b'", user: 'nobody', group: 'nogroup' }, miscTimeoutMs: 7000, miscDynamic: true });
    expect(ping).toMatchObject({ type: 'PING_CHECK', retry: 4 });
    expect(udp).toMatchObject({ type: 'UDP_CHECK', payload: 'ab120f03', requireReply: '12x4', minReplyLength: 2, maxReplyLength: 64 });
    expect(file).toMatchObject({ type: 'FILE_CHECK', trackFile: 'tf', dynamic: true, weight: 3, reverse: true });
    expect(bfd).toMatchObject({ type: 'BFD_CHECK', name: 'bfd1' });
  });

  it("applies keepalived's inheritance and defaults for timing and Host", () => {
    const c = ok(readText(conf.replace('require_reply 0x12', 'require_reply')));
    const vs = c.virtualServers[0]!;
    const rs = vs.realServers[0]!;
    const [ssl, http, , , dns, misc] = rs.checks;
    expect(effectiveTiming(vs, rs, ssl!)).toEqual({ connectTimeoutMs: 4000, retry: 2, delayBeforeRetryMs: 3000, warmupMs: 10_000, delayLoopMs: 10_000, alpha: false });
    expect(effectiveTiming(vs, rs, http!).delayBeforeRetryMs).toBe(1500);
    expect(effectiveTiming(vs, rs, dns!)).toMatchObject({ retry: 3, delayBeforeRetryMs: 10_000 });
    expect(effectiveTiming(vs, rs, misc!)).toMatchObject({ retry: 0, delayBeforeRetryMs: 1000, connectTimeoutMs: 4000 });
    const sslCheck = ssl as { urls: { virtualhost?: string }[]; virtualhost?: string };
    expect(effectiveVirtualhost(vs, rs, sslCheck, sslCheck.urls[0]!)).toBe('url.example');
    expect(effectiveVirtualhost(vs, rs, sslCheck, sslCheck.urls[1]!)).toBe('vs.example');
  });

  it('defaults a bare checker exactly as keepalived', () => {
    const c = ok(readText('virtual_server 192.0.2.1 80 {\n protocol TCP\n real_server 198.51.100.1 80 {\n  HTTP_GET {\n   url {\n    path /\n   }\n  }\n  SMTP_CHECK {\n  }\n  DNS_CHECK {\n  }\n }\n}\n'));
    const vs = c.virtualServers[0]!;
    const rs = vs.realServers[0]!;
    const [http, smtp, dns] = rs.checks;
    expect(effectiveTiming(vs, rs, http!)).toEqual({ connectTimeoutMs: 5000, retry: 1, delayBeforeRetryMs: 3000, warmupMs: 60_000, delayLoopMs: 60_000, alpha: false });
    expect(http).toMatchObject({ httpProtocol: '1.0', urls: [{ path: '/', statusCodes: [] }] });
    expect(smtp).toMatchObject({ heloName: 'smtpchecker.keepalived.org' });
    expect(dns).toMatchObject({ queryType: 'SOA', name: '.' });
    expect(vs).toMatchObject({ lbAlgo: 'wlc', lvsMethod: { kind: 'NAT' }, quorum: 1, hysteresis: 0 });
    expect(rs.weight).toBe(1);
  });

  it("reads free-form hex as keepalived's man page shows", () => {
    const c = ok(readText('virtual_server 192.0.2.1 53 {\n protocol UDP\n real_server 198.51.100.1 53 {\n  UDP_CHECK {\n   payload Ab12f 3 456 546443123\n  }\n }\n}\n'));
    expect(c.virtualServers[0]!.realServers[0]!.checks[0]).toMatchObject({ payload: 'ab120f034506546443' + '1203' });
  });

  it('refuses a checker that cannot stand, with its position', () => {
    const r = readText('virtual_server 192.0.2.1 80 {\n protocol TCP\n real_server 198.51.100.1 80 {\n  HTTP_GET {\n   connect_timeout 3\n  }\n  MISC_CHECK {\n  }\n }\n}\n');
    expect(r.ok).toBe(false);
    expect(r.lines).toContain('keepalived.conf:4:3: error: HTTP_GET has no url block; keepalived would drop this checker');
    expect(r.lines).toContain('keepalived.conf:7:3: error: MISC_CHECK has no misc_path');
  });
});

describe('regex at read time (PCRE2 syntax, matched by RE2)', () => {
  const withUrl = (lines: string) =>
    `virtual_server 192.0.2.1 80 {\n  protocol TCP\n  real_server 198.51.100.1 80 {\n    HTTP_GET {\n      url {\n        path /\n${lines}\n      }\n    }\n  }\n}\n`;

  it('names a construct RE2 cannot express at its column inside the pattern', () => {
    const r = readText(withUrl('        regex "(a)\\1"'));
    expect(r.ok).toBe(false);
    // `regex` at column 9, the quote at 15, the pattern from 16: \1 is its fourth character.
    expect(r.lines).toEqual(['keepalived.conf:7:19: error: regex: backreference \\N is PCRE2 syntax RE2 cannot express']);
  });

  it('refuses an option it cannot honour at the option word, even when it comes after the regex', () => {
    const r = readText(withUrl('        regex "ok"\n        regex_options caseless extended'));
    expect(r.ok).toBe(false);
    expect(r.lines).toEqual([expect.stringMatching(/^keepalived\.conf:8:32: error: regex_options extended .* no RE2 equivalent/)]);
  });

  it('accepts the catastrophic pattern of issue #12 (it is linear on RE2) and the options it maps', () => {
    const c = ok(readText(withUrl('        regex "(a+)+$"\n        regex_options caseless ungreedy dollar_endonly')));
    const check = c.virtualServers[0]!.realServers[0]!.checks[0]!;
    expect(check.type === 'HTTP_GET' && check.urls[0]!.regex).toBe('(a+)+$');
  });
});
