import { describe, expect, it } from 'vitest';
import { ok, readFiles, readText } from '../../test/helpers/read-config.ts';

const VS = (body: string, head = '10.0.0.1 80') => `virtual_server ${head} {\n  protocol TCP\n${body}\n}\n`;

describe('comments, quoting and words', () => {
  it('strips # and ! comments anywhere, but not inside double quotes, and honours \\# escapes', () => {
    const c = ok(readText([
      '! a comment line',
      'global_defs {   # trailing',
      '  router_id r1 ! trailing bang',
      '  notification_email_from "ops#1@example.com"',
      '  smtp_helo_name a\\#b',
      '}',
    ].join('\n')));
    expect(c.globalDefs.routerId).toBe('r1');
    expect(c.globalDefs.notificationEmailFrom).toBe('ops#1@example.com');
    expect(c.globalDefs.smtpHeloName).toBe('a#b');
  });

  it('keeps blanks inside quoted strings and reads script arguments', () => {
    const c = ok(readText(VS(`  quorum_up "/usr/bin/up.sh  a b" root\n  real_server 10.0.0.2 80 { notify_up "/bin/n.sh UP" }`)));
    expect(c.virtualServers[0]!.quorumUp).toEqual({ command: '/usr/bin/up.sh  a b', user: 'root' });
    expect(c.virtualServers[0]!.realServers[0]!.notifyUp).toEqual({ command: '/bin/n.sh UP' });
  });

  it('reads bare flags and BOOL words', () => {
    const c = ok(readText(VS('  alpha\n  omega on\n  ha_suspend off\n  real_server 10.0.0.2 80 {\n    inhibit_on_failure yes\n    alpha false\n  }')));
    const vs = c.virtualServers[0]!;
    expect([vs.alpha, vs.omega, vs.haSuspend]).toEqual([true, true, false]);
    expect(vs.realServers[0]).toMatchObject({ inhibitOnFailure: true, alpha: false });
  });

  it('rejects a BOOL word it does not know, at its column', () => {
    const r = readText(VS('  alpha maybe'));
    expect(r.ok).toBe(false);
    expect(r.lines).toContain('keepalived.conf:3:9: error: alpha: \'maybe\' is not one of on|off|true|false|yes|no');
  });

  it('opens a block from a { on the next line, and reads blocks written on one line', () => {
    const c = ok(readText('vrrp_instance V\n{\n interface eth0\n virtual_router_id 7\n virtual_ipaddress { 10.1.1.1/24 10.1.1.2 }\n}\n'));
    expect(c.vrrpInstances[0]!.virtualIpaddress.map((a) => a.address)).toEqual(['10.1.1.1/24']);
    // keepalived takes one address per line: the second word is an unknown option kept as written.
    expect(c.vrrpInstances[0]!.virtualIpaddress[0]!.options).toEqual(['10.1.1.2']);
  });

  it('joins a line ending in a backslash with the next', () => {
    const c = ok(readText(VS('  real_server 10.0.0.2 \\\n     8080 {\n    weight 3\n  }')));
    expect(c.virtualServers[0]!.realServers[0]).toMatchObject({ port: 8080, weight: 3 });
  });
});

describe('interfaces', () => {
  it('never checks interface names against this machine (configs are checked away from their director)', () => {
    const r = readText('vrrp_instance V {\n  interface bond7.4000\n  virtual_router_id 9\n  track_interface {\n    no-such-nic0 weight 10\n  }\n  virtual_ipaddress {\n    10.9.9.9/24 dev nowhere1 label nowhere1:vip\n  }\n}\n');
    const c = ok(r);
    expect(r.lines).toEqual([]);
    expect(c.vrrpInstances[0]!.virtualIpaddress[0]).toMatchObject({ dev: 'nowhere1', label: 'nowhere1:vip' });
  });
});

describe('unknown keywords and old aliases', () => {
  it('warns with file:line:col, reads an unknown block\'s lines where it stands, and still reads the rest', () => {
    const r = readText('global_defs {\n  router_id a\n  frobnicate 3\n}\nmystery_block {\n  router_id zzz\n}\n' + VS('  lb_algo rr\n  lb_kind DR\n  real_server 10.0.0.2 80 {\n    HTTP_GET {\n      url { path / }\n      nb_get_retry 4\n    }\n  }'));
    const c = ok(r);
    expect(c.globalDefs.routerId).toBe('a');
    expect(r.lines).toContain("keepalived.conf:3:3: warning: unknown keyword 'frobnicate' in global_defs; ignored");
    // keepalived reads an unknown block's lines at the level it stands (issue #17): router_id at top level is unknown too.
    expect(r.lines).toContain("keepalived.conf:5:1: warning: unknown keyword 'mystery_block'; ignored");
    expect(r.lines).toContain("keepalived.conf:6:3: warning: unknown keyword 'router_id'; ignored");
    // lb_algo and lb_kind are plain synonyms in keepalived 2.2-2.4 (issue #17): no warning on lines 10 and 11.
    expect(r.lines.filter((l) => l.startsWith('keepalived.conf:10:') || l.startsWith('keepalived.conf:11:'))).toEqual([]);
    expect(r.lines).toContain("keepalived.conf:15:7: warning: 'nb_get_retry' is deprecated; use 'retry'");
    const vs = c.virtualServers[0]!;
    expect(vs.lbAlgo).toBe('rr');
    expect(vs.lvsMethod).toEqual({ kind: 'DR' });
    expect(vs.realServers[0]!.checks[0]).toMatchObject({ retry: 4 });
  });

  it('warns about a virtual_server without protocol (UDP, as keepalived)', () => {
    const r = readText('virtual_server 10.0.0.1 53 {\n}\n');
    ok(r);
    expect(r.lines[0]).toMatch(/^keepalived\.conf:1:1: warning: virtual_server has no protocol; keepalived \(and the kernel\) default to UDP/);
  });
});

describe('conditionals', () => {
  const text = '@main $PRIO=200\n@^main $PRIO=100\nvrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  priority $PRIO\n  @main state MASTER\n  unicast_peer {\n    @^main 10.0.0.1\n    @^backup 10.0.0.2\n  }\n}\n';
  it('keeps @id lines for the matching config id and @^id lines for the others', () => {
    const main = ok(readText(text, 'main')).vrrpInstances[0]!;
    expect(main).toMatchObject({ priority: 200, state: 'MASTER' });
    expect(main.unicastPeers.map((p) => p.ip)).toEqual(['10.0.0.2']);
    const backup = ok(readText(text, 'backup')).vrrpInstances[0]!;
    expect(backup).toMatchObject({ priority: 100, state: 'BACKUP' });
    expect(backup.unicastPeers.map((p) => p.ip)).toEqual(['10.0.0.1']);
  });
});

describe('parameters', () => {
  it('substitutes $NAME followed by a blank and ${NAME} anywhere, recursively, at use time', () => {
    const c = ok(readText([
      '$BASE=10.2.${SUB}',
      '$SUB=0',
      'static_ipaddress {',
      '  ${BASE}.100/32 dev eth0',
      '}',
      '$SUB=10',
      'static_routes {',
      '  ${BASE}.0/24 dev eth0',
      '}',
      '$UNDEF_STAYS=1',
      'global_defs { router_id $NOPE }',
    ].join('\n')));
    expect(c.staticIpaddress[0]!.address).toBe('10.2.0.100/32');
    expect(c.staticRoutes[0]!.words[0]).toBe('10.2.10.0/24');
    expect(c.globalDefs.routerId).toBe('$NOPE');
  });

  it('expands multi-line definitions, nested, with conditionals inside', () => {
    const c = ok(readText([
      '$RS= \\',
      '  real_server 192.168.${VS_NUM}.${RS_NUM} 80 { \\',
      '    weight 1 \\',
      '    @main weight 5 \\',
      '  }',
      '',
      '$VS= \\',
      '  virtual_server 10.0.${VS_NUM}.4 80 { \\',
      '    protocol TCP \\',
      '    $RS_NUM=1 \\',
      '    $RS \\',
      '',
      '    $RS_NUM=2 \\',
      '    $RS \\',
      '  }',
      '$VS_NUM=0',
      '$VS',
      '$VS_NUM=1',
      '$VS',
    ].join('\n')));
    expect(c.virtualServers.map((v) => v.ip)).toEqual(['10.0.0.4', '10.0.1.4']);
    expect(c.virtualServers[1]!.realServers.map((r) => `${r.ip}/${r.weight}`)).toEqual(['192.168.1.1/5', '192.168.1.2/5']);
  });

  it('knows the pre-defined ${_PWD}, ${_INSTANCE}, ${_HASH}, ${_BANG}, ${_ENV X} and ${_RANDOM a b}', () => {
    process.env.VIGIL_TEST_ENV = 'from-env';
    const r = readFiles({ 'sub/k.conf': 'global_defs {\n router_id ${_INSTANCE}\n notification_email_from a${_HASH}b${_BANG}c\n smtp_helo_name ${_ENV VIGIL_TEST_ENV}\n lvs_flush_on_stop ${_RANDOM 5 5}\n}\nvrrp_script s {\n script "${_PWD}/chk.sh"\n}\n' }, 'sub/k.conf', 'node7');
    const c = ok(r);
    expect(c.globalDefs).toMatchObject({ routerId: 'node7', notificationEmailFrom: 'a#b!c', smtpHeloName: 'from-env', lvsFlushOnStop: '5' });
    expect(c.vrrpScripts[0]!.script.command).toBe('sub/chk.sh');
  });

  it('reports a parameter that refers to itself instead of looping', () => {
    const r = readText('$A=x $A\nglobal_defs { router_id $A }\n');
    expect(r.ok).toBe(false);
    expect(r.lines.some((l) => /^keepalived\.conf:2:\d+: error: parameter substitution or generators nested deeper/.test(l))).toBe(true);
  });
});

describe('generators', () => {
  it('~SEQ, ~SEQx with hex, ~LST with several variables, nested on one line', () => {
    const c = ok(readText([
      'vrrp_instance V {',
      '  interface eth0',
      '  virtual_router_id 1',
      '  virtual_ipaddress {',
      '    ~SEQ(N, 0, 2) 10.0.${N}.1',
      '    ~SEQx(H, 0x90, 0x10, 0xb0) fe80::20:${H}:1',
      '    ~LST({A, B}, {1,2},{3,4}) ~SEQ(C, 5, 6) 172.16.${A}${B}.${C}',
      '    ~SEQ(D, 3) 192.168.9.${D}',
      '  }',
      '}',
    ].join('\n')));
    expect(c.vrrpInstances[0]!.virtualIpaddress.map((a) => a.address)).toEqual([
      '10.0.0.1', '10.0.1.1', '10.0.2.1',
      'fe80::20:90:1', 'fe80::20:a0:1', 'fe80::20:b0:1',
      '172.16.12.5', '172.16.12.6', '172.16.34.5', '172.16.34.6',
      '192.168.9.1', '192.168.9.2', '192.168.9.3',
    ]);
  });

  it('reports a malformed generator at its line', () => {
    const r = readText('static_routes {\n  ~SEQ(N, 1, 0, 5) 10.0.${N}.0/24 dev eth0\n}\n');
    expect(r.ok).toBe(false);
    expect(r.lines).toContain('keepalived.conf:2:3: error: ~SEQ: step must not be 0');
  });
});

describe('include', () => {
  it('includes with globs and braces, relative to the including file, in order', () => {
    const r = readFiles({
      'keepalived.conf': 'include conf.d/*.conf\ninclude {a,b}/vs.conf\n',
      'conf.d/10-global.conf': 'global_defs { router_id from-glob }\n',
      'conf.d/20-vrrp.conf': 'include ../vrrp/{one,two}.conf\n',
      'vrrp/one.conf': 'vrrp_instance ONE {\n interface eth0\n virtual_router_id 1\n}\n',
      'vrrp/two.conf': 'vrrp_instance TWO {\n interface eth0\n virtual_router_id 2\n}\n',
      'a/vs.conf': VS('', '10.0.0.1 80'),
      'b/vs.conf': VS('  real_server 10.0.0.9 81 {\n    weight nope\n  }', '10.0.0.2 80'),
    });
    expect(r.ok).toBe(false);
    // The error names the included file with its own line and column.
    expect(r.lines).toContain("b/vs.conf:4:12: error: weight: 'nope' is not a whole number");
  });

  it('reads the included files into one model', () => {
    const c = ok(readFiles({
      'keepalived.conf': 'include conf.d/*.conf\n',
      'conf.d/10-global.conf': 'global_defs { router_id from-glob }\n',
      'conf.d/20-vrrp.conf': 'include ../vrrp/{one,two}.conf\n',
      'vrrp/one.conf': 'vrrp_instance ONE {\n interface eth0\n virtual_router_id 1\n}\n',
      'vrrp/two.conf': 'vrrp_instance TWO {\n interface eth0\n virtual_router_id 2\n}\n',
    }));
    expect(c.globalDefs.routerId).toBe('from-glob');
    expect(c.vrrpInstances.map((v) => v.name)).toEqual(['ONE', 'TWO']);
  });

  it('plain include of nothing is fine; includea of nothing and an include loop are errors', () => {
    expect(readFiles({ 'keepalived.conf': 'include nothing/*.conf\n' }).ok).toBe(true);
    const strict = readFiles({ 'keepalived.conf': 'includea nothing/*.conf\n' });
    expect(strict.lines).toContain('keepalived.conf:1:10: error: includea: nothing matches nothing/*.conf');
    const loop = readFiles({ 'keepalived.conf': 'include a.conf\n', 'a.conf': 'include keepalived.conf\n' });
    expect(loop.ok).toBe(false);
    expect(loop.lines.some((l) => l.startsWith('a.conf:1:9: error: include loop'))).toBe(true);
  });
});

describe('values that are wrong, each at its own line and column', () => {
  const cases: Array<[string, string, string]> = [
    ['an address that is not one', VS('  real_server 10.0.0.300 80 {\n  }'), "keepalived.conf:3:15: error: real_server: '10.0.0.300' is not an IPv4 or IPv6 address"],
    ['a digest that is not 32 hex digits', VS('  real_server 10.0.0.2 80 {\n    HTTP_GET {\n      url {\n        path /\n        digest 640205b7b0fc66c1ea91\n      }\n    }\n  }'), "keepalived.conf:7:16: error: digest: '640205b7b0fc66c1ea91' is not 32 hex digits (MD5, as genhash prints) or sha256:<64 hex digits>"],
    ['a status code outside 100-599', VS('  real_server 10.0.0.2 80 {\n    HTTP_GET {\n      url {\n        path /\n        status_code 200 700\n      }\n    }\n  }'), 'keepalived.conf:7:25: error: status_code: 700 is outside 100..599'],
    ['a number out of range', 'vrrp_instance V {\n  interface eth0\n  virtual_router_id 256\n}\n', 'keepalived.conf:3:21: error: virtual_router_id: 256 is out of range 1..255'],
    ['a port out of range', VS('  real_server 10.0.0.2 70000 {\n  }'), 'keepalived.conf:3:24: error: real_server port: 70000 is out of range 0..65535'],
    ['a timer that is not a number', VS('  delay_loop soon'), "keepalived.conf:3:14: error: delay_loop: 'soon' is not a time in seconds"],
    ['an unknown scheduler', VS('  lvs_sched fastest'), "keepalived.conf:3:13: error: lvs_sched: 'fastest' is not one of rr|wrr|lc|wlc|lblc|sh|mh|dh|fo|ovf|lblcr|sed|nq|twos"],
    ['a block never closed', 'global_defs {\n  router_id a\n', "keepalived.conf:1:13: error: unbalanced '{': this block is never closed"],
    ['a stray closing brace', 'global_defs {\n}\n}\n', "keepalived.conf:3:1: error: unbalanced '}': no block is open here"],
    ['an unterminated quote', 'global_defs {\n  router_id "abc\n}\n', 'keepalived.conf:2:13: error: unterminated quoted string'],
    ['a group that does not exist', 'virtual_server group NOPE {\n}\n', "keepalived.conf:1:1: error: virtual_server group 'NOPE' is not defined"],
  ];
  for (const [what, text, expected] of cases) {
    it(`${what}`, () => {
      const r = readText(text);
      expect(r.ok).toBe(false);
      expect(r.lines).toContain(expected);
    });
  }

  it('returns nothing partial: one bad value anywhere means no model', () => {
    const r = readText(VS('  real_server 10.0.0.2 80 {\n  }') + 'vrrp_instance V {\n interface eth0\n virtual_router_id 0\n}\n');
    expect(r.ok).toBe(false);
    expect('config' in r).toBe(false);
  });
});
