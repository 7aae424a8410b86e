import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeConfigHost } from '../../shim/config/node-host.ts';
import { planVrrp } from '../../shim/vrrp/plan.ts';
import { expectedClass, PARITY, parityFixtures } from '../../test/helpers/parity-fixtures.ts';
import { formatDiagnostic, readKeepalivedConfig, singleFileHost } from './index.ts';


function read(f: string) {
  const res = readKeepalivedConfig(join(PARITY, f), { host: nodeConfigHost, configId: 'lb1' });
  const lines = res.diagnostics.map((d) => formatDiagnostic({ ...d, file: f }));
  // Notes are Vigil's own advice: they leave a file clean, as keepalived -t would.
  const cls = !res.ok ? 'errors' : res.diagnostics.some((d) => d.severity === 'warning') ? 'warnings' : 'clean';
  return { res, lines, cls };
}

describe('keepalived parity fixtures (issue #17)', () => {
  for (const f of parityFixtures()) {
    it(`${f}: ${expectedClass(f)} as keepalived -t`, () => {
      const { lines, cls } = read(f);
      expect(cls, lines.join('\n')).toBe(expectedClass(f));
    });
  }

  it('splits lines at braces: glued { and }, an empty block, all read into the model', () => {
    const { res } = read('brace-split.conf');
    expect(res.ok && res.config.vrrpSyncGroups[0]?.group).toEqual(['VI_1', 'VI_2']);
    expect(res.ok && res.config.vrrpInstances[0]?.trackInterface.map((t) => t.name)).toEqual(['eth1']);
    expect(res.ok && res.config.virtualServers[0]?.realServers[0]?.checks.map((c) => c.type)).toEqual(['TCP_CHECK']);
  });

  it('lb_algo / lb_kind are synonyms with no warning; script_user USER GROUP keeps the group', () => {
    const { res } = read('synonyms.conf');
    expect(res.ok && res.config.virtualServers[0]?.lvsMethod).toEqual({ kind: 'DR' });
    expect(res.ok && res.config.virtualServers[0]?.lbAlgo).toBe('wrr');
    expect(res.ok && res.config.globalDefs.scriptUser).toEqual({ user: 'root', group: 'root' });
  });

  it('lb_kind dr (lower case) programs NAT, as keepalived, and says so', () => {
    const { res, lines } = read('lb-kind-lower.conf');
    expect(res.ok && res.config.virtualServers[0]?.lvsMethod).toEqual({ kind: 'NAT' });
    expect(lines).toEqual([
      "lb-kind-lower.conf:6:13: warning: lb_kind: 'dr' is not NAT, DR or TUN (keepalived compares case-sensitively); ignored as keepalived does: NAT will be programmed unless an earlier line set another method",
    ]);
  });

  it("keepalived's own wording for nopreempt with state MASTER and for an instance with no VIP", () => {
    expect(read('nopreempt-master.conf').lines).toEqual(['nopreempt-master.conf:2:1: warning: (VI_1) Warning - nopreempt will not work with initial state MASTER - clearing']);
    expect(read('no-vip.conf').lines).toEqual(['no-vip.conf:2:1: warning: (VI_1) No VIP specified; at least one is sensible']);
  });

  it('records where each keyword the shim does not implement stands (check-config stays clean)', () => {
    const { res } = read('shim-unimplemented.conf');
    expect(res.ok && res.shimUnimplemented?.map((u) => `${u.keyword}@${u.pos.line}:${u.pos.col}`)).toEqual(['lvs_sync_daemon@4:5', 'use_vmac_addr@8:5', 'virtual_routes@14:5']);
  });

  it('accepts what keepalived accepts: /mask dropped, enable_script_security with any word, timers in the keyword\'s own range', () => {
    const { res } = read('values-accepted.conf');
    const g = res.ok ? res.config.globalDefs : undefined;
    expect(g && [g.enableScriptSecurity, g.vrrpGarpMasterRefreshMs, g.vrrpGarpMasterDelayMs, g.smtpConnectTimeoutMs]).toEqual([true, 14_400_000, 3_000_000, 3_000_000]);
    const vi = res.ok ? res.config.vrrpInstances[0] : undefined;
    expect(vi && [vi.unicastSrcIp, vi.unicastPeers.map((p) => p.ip), vi.garpMasterRefreshMs]).toEqual(['192.0.2.2', ['192.0.2.3'], 86_400_000]);
  });

  it('reports, with keepalived\'s words, the values keepalived ignores, and ignores them too', () => {
    const { res, lines } = read('values-refused.conf');
    expect(lines).toEqual([
      "values-refused.conf:4:24: warning: vrrp_garp_interval '0' is invalid (it must be more than 0); ignored, as keepalived",
      "values-refused.conf:5:23: warning: vrrp_gna_interval '0' is invalid (it must be more than 0); ignored, as keepalived",
      'values-refused.conf:6:17: warning: Invalid smtp server ** 25; ignored, as keepalived',
      "values-refused.conf:12:25: warning: persistence_timeout invalid: '2678401' is not in 1..2678400 (31 days); ignored, as keepalived",
    ]);
    expect(res.ok && [res.config.globalDefs.smtpServer, res.config.virtualServers[0]?.persistenceTimeoutS]).toEqual([undefined, undefined]);
  });

  it("marks Vigil's own advice as a note, which leaves the file clean", () => {
    const { res, lines } = read('note-only.conf');
    expect(lines).toEqual(["note-only.conf:4:28: note: enable_script_security ignores 'no', as keepalived: script security is on"]);
    expect(res.ok && res.config.globalDefs.enableScriptSecurity).toBe(true);
  });

  it("reads an unknown keyword's block as keepalived: its lines in the enclosing block, its '}' ends that block", () => {
    const { res, lines } = read('unknown-block.conf');
    expect(res.ok && res.config.globalDefs.routerId).toBe('INNER');
    expect(lines).toEqual([
      "unknown-block.conf:5:5: warning: unknown keyword 'frobnicate' in global_defs; ignored",
      "unknown-block.conf:5:16: warning: keepalived ignores this '{': the lines below are read as global_defs's own and the matching '}' ends global_defs, so the 1 statement(s) after it are not read in global_defs",
      "unknown-block.conf:8:5: warning: 'router_id' is not read in global_defs: keepalived ended global_defs at the '}' of unknown 'frobnicate'; ignored",
    ]);
  });

  it('reads unknown blocks nested 20,000 deep, in global_defs and at top level, without running out of stack', () => {
    const deep = (n: number) => 'u {\n'.repeat(n) + 'router_id DEEP\n' + '}\n'.repeat(n);
    for (const text of [`global_defs {\n${deep(20_000)}}\n`, deep(20_000)]) {
      const res = readKeepalivedConfig('k.conf', { host: singleFileHost('k.conf', text), configId: 'x' });
      expect(res.diagnostics.length).toBeGreaterThan(0);
    }
  });

  it('vrrp_strict means what it means to keepalived: no authentication, a non-owner starts BACKUP, an owner MASTER', () => {
    const { res, lines } = read('strict.conf');
    expect(lines).toEqual([
      'strict.conf:6:1: warning: (VI_1) State MASTER must match being address owner',
      'strict.conf:6:1: warning: (VI_1) Strict mode does not support authentication. Ignoring.',
    ]);
    if (!res.ok) throw new Error('strict.conf did not read');
    const plan = planVrrp(res.config);
    expect(plan.problems).toEqual([]);
    expect(plan.instances.map((p) => [p.name, p.initialState, p.authType])).toEqual([
      ['VI_1', 'BACKUP', 0],
      ['VI_2', 'MASTER', 0],
    ]);
    // The same file without vrrp_strict keeps PASS and MASTER, as keepalived.
    const loose = planVrrp({ ...res.config, globalDefs: { ...res.config.globalDefs, vrrpStrict: false } });
    expect(loose.instances.filter((p) => p.name === 'VI_1').map((p) => [p.initialState, p.authType])).toEqual([['MASTER', 1]]);
  });

  it('does not track a vrrp_script defined below the instance that names it, as keepalived (same line as keepalived reports)', () => {
    const { res, lines } = read('track-script-order.conf');
    expect(lines).toEqual([
      'track-script-order.conf:16:9: warning: (VI_1) track script chk_later not found, ignoring... (keepalived resolves track_script as it reads, and vrrp_script chk_later comes later, at line 22: it is not tracked)',
    ]);
    expect(res.ok && res.config.vrrpInstances[0]?.trackScript.map((t) => t.name)).toEqual(['chk_before']);
  });

  it('an include that finds nothing is a note in keepalived\'s words (keepalived -t stays clean)', () => {
    expect(read('include-missing.conf').lines).toEqual([
      "include-missing.conf:4:9: note: No config files matched '/nonexistent-vigil-parity/*.conf'. (include: nothing read)",
      "include-missing.conf:5:9: note: Config files missing '/nonexistent-vigil-parity/one.conf'. (include: skipped)",
    ]);
  });

  it("keeps the first instance's lvs_sync_daemon_interface only, as keepalived", () => {
    const { res, lines } = read('syncd-interface.conf');
    expect(lines).toContain('syncd-interface.conf:16:5: warning: (VI_2) lvs_sync_daemon_interface has already been specified as eth0 - ignoring');
    expect(res.ok && res.config.vrrpInstances.map((v) => v.lvsSyncDaemonInterface)).toEqual(['eth0', undefined]);
  });

  it("gives keepalived's SECURITY VIOLATION notice for scripts without enable_script_security", () => {
    expect(read('script-security.conf').lines).toEqual(['script-security.conf:3:1: warning: SECURITY VIOLATION - scripts are being executed but script_security not enabled.']);
  });
});
