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
    expect(res.ok && res.shimUnimplemented?.map((u) => `${u.keyword}@${u.pos.line}:${u.pos.col}`)).toEqual(['lvs_sync_daemon@4:5', 'use_vmac_addr@8:5', 'virtual_routes mtu@15:48']);
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

  it('derives an unwritten priority or state as keepalived: state MASTER alone is the owner (255), priority 255 alone starts MASTER', () => {
    const { res, lines } = read('derived-state.conf');
    expect(lines).toEqual([]);
    expect(res.ok && res.config.vrrpInstances.map((v) => [v.name, v.state, v.priority])).toEqual([
      ['VI_M', 'MASTER', 255],
      ['VI_O', 'MASTER', 255],
      ['VI_B', 'BACKUP', 100],
    ]);
  });

  it('the shim also refuses carried keywords that change what a director does, not tuning it can do without', () => {
    const { res, lines } = read('shim-refused-passthrough.conf');
    expect(lines).toEqual([]);
    expect(res.ok && res.shimUnimplemented?.map((u) => `${u.keyword}@${u.pos.line}:${u.pos.col}`)).toEqual(['vrrp_min_garp@6:5', 'promote_secondaries@13:5']);
  });

  it("vrrp_strict's other resets: in keepalived's words and order, and the shim runs the reset values", () => {
    const { res, lines } = read('strict-rules.conf');
    expect(lines).toEqual([
      'strict-rules.conf:8:1: warning: (VI_6) cannot use IPv6 with VRRP version 2; setting version 3',
      'strict-rules.conf:8:1: warning: (VI_6) the first IPv6 VIP address must be link local',
      'strict-rules.conf:8:1: warning: (VI_6) down_timer_adverts is incompatible with strict mode - resetting',
      'strict-rules.conf:8:1: warning: (VI_6) Strict mode requires no repeat garps. resetting',
      'strict-rules.conf:8:1: warning: (VI_6) Strict mode requires no repeat garp delay. resetting',
      'strict-rules.conf:8:1: warning: (VI_6) Strict mode requires no lower priority advert. resetting',
      'strict-rules.conf:8:1: warning: (VI_6) strict mode requires higher_prio_send_advert to be clear. resetting',
      'strict-rules.conf:22:1: warning: (VI_4) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting',
      'strict-rules.conf:31:1: note: (VI_U) keepalived drops this instance when it starts on an interface with multicast ("Unicast peers are not supported in strict mode"), though keepalived -t passes it; vigil shim refuses to start on it',
    ]);
    if (!res.ok) throw new Error('strict-rules.conf did not read');
    const multicast = planVrrp(res.config, { multicast: () => true });
    expect(multicast.problems).toEqual([
      'vrrp_instance VI_U: Unicast peers are not supported in strict mode on eth0, which can multicast (keepalived drops this instance; vigil shim refuses to start)',
    ]);
    const plan = planVrrp(res.config, { multicast: () => false });
    expect(plan.problems).toEqual([]);
    const v6 = plan.instances.find((p) => p.name === 'VI_6')!;
    expect([v6.version, v6.downTimerAdverts, v6.garp.lowerPrioRepeat, v6.garp.lowerPrioDelayMs, v6.lowerPrioNoAdvert, v6.higherPrioSendAdvert]).toEqual([3, 3, 0, 0, true, false]);
    // Accept mode: a strict non-owner drops traffic to its addresses (firewall), v2 `accept` notwithstanding.
    expect(plan.instances.map((p) => [p.name, p.accept])).toEqual([['VI_6', false], ['VI_4', false], ['VI_U', false]]);
    // Without vrrp_strict every written value stands and addresses accept traffic.
    const loose = planVrrp({ ...res.config, globalDefs: { ...res.config.globalDefs, vrrpStrict: false } });
    const lv6 = loose.instances.find((p) => p.name === 'VI_6')!;
    expect([lv6.downTimerAdverts, lv6.garp.lowerPrioRepeat, lv6.garp.lowerPrioDelayMs, lv6.lowerPrioNoAdvert, lv6.higherPrioSendAdvert]).toEqual([5, 3, 2000, false, true]);
    expect(loose.instances.map((p) => p.accept)).toEqual([true, true, true]);
  });

  it('an instance with no virtual address: required under VRRPv3 or strict (keepalived drops it; the shim refuses), sensible under v2', () => {
    const { res, lines } = read('strict-no-vip.conf');
    expect(lines).toEqual(['strict-no-vip.conf:4:1: warning: (VI_3) No VIP specified; at least one is required']);
    if (!res.ok) throw new Error('strict-no-vip.conf did not read');
    expect(planVrrp(res.config).problems).toEqual(['vrrp_instance VI_3: No VIP specified; at least one is required (keepalived drops this instance; vigil shim refuses to start)']);
    const v2 = { ...res.config, vrrpInstances: res.config.vrrpInstances.map((v) => ({ ...v, version: 2 as const })) };
    expect(planVrrp(v2).problems).toEqual([]);
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

  it("lvs_sync_daemon: keepalived's words for each option it ignores, at the option's value; the rest is kept", () => {
    const { res, lines } = read('syncd-options.conf');
    expect(lines).toEqual([
      'syncd-options.conf:4:34: warning: Invalid syncid (300) - defaulting to vrid',
      'syncd-options.conf:4:45: warning: Invalid lvs_sync_daemon maxlen (0) - ignoring (1..65507)',
      'syncd-options.conf:4:52: warning: Invalid lvs_sync_daemon port (70000) - ignoring (1..65535)',
      'syncd-options.conf:4:62: warning: Invalid lvs_sync_daemon ttl (0) - ignoring (1..255)',
      'syncd-options.conf:4:70: warning: lvs_sync_daemon group address 10.0.0.1 is not multicast - ignoring',
      'syncd-options.conf:4:79: warning: Unknown option bogus specified for lvs_sync_daemon',
      'syncd-options.conf:5:5: warning: lvs_sync_daemon has already been specified as eth0 VI_1 - ignoring',
      "syncd-options.conf:11:5: warning: 'lvs_sync_daemon_interface' is deprecated; use 'global_defs lvs_sync_daemon'",
      'syncd-options.conf:11:5: warning: (VI_1) lvs_sync_daemon_interface has already been specified as eth0 - ignoring',
    ]);
    expect(res.ok && res.config.globalDefs.lvsSyncDaemon).toEqual({ interface: 'eth0', instance: 'VI_1' });
    expect(res.ok && res.config.vrrpInstances[0]?.lvsSyncDaemonInterface).toBeUndefined();
  });

  it('lvs_sync_daemon: every option kept; the shim follows the named instance, syncid defaulting to its virtual_router_id', () => {
    const { res } = read('syncd-clean.conf');
    expect(res.ok && res.config.globalDefs.lvsSyncDaemon).toEqual({ interface: 'eth0', instance: 'VI_1', syncId: 7, maxlen: 1400, port: 8849, ttl: 2, group: '239.1.2.3' });
    expect(res.ok && planVrrp(res.config).syncd).toEqual({ instance: 'VI_1', daemon: { ifname: 'eth0', syncId: 7, maxlen: 1400, port: 8849, ttl: 2, group: '239.1.2.3' } });
    // The deprecated vrrp_instance form: the first instance's interface, syncid 0.
    const legacy = read('syncd-interface.conf').res;
    expect(legacy.ok && planVrrp(legacy.config).syncd).toEqual({ instance: 'VI_1', daemon: { ifname: 'eth0', syncId: 0 } });
  });

  it('lvs_sync_daemon naming no instance of the file: a note in the words keepalived logs at start (keepalived -t is silent); the shim runs no sync daemon', () => {
    const { res, lines } = read('syncd-unknown-instance.conf');
    expect(lines).toEqual(['syncd-unknown-instance.conf:4:26: note: Unable to find vrrp instance VI_9 for lvs_syncd - clearing lvs_syncd config (keepalived says so at start, and runs no sync daemon)']);
    expect(res.ok && planVrrp(res.config).syncd).toEqual({ instance: 'VI_9', unresolved: true });
  });

  it("gives keepalived's SECURITY VIOLATION notice for scripts without enable_script_security", () => {
    expect(read('script-security.conf').lines).toEqual(['script-security.conf:3:1: warning: SECURITY VIOLATION - scripts are being executed but script_security not enabled.']);
  });
});
