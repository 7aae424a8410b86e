import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeConfigHost } from '../../shim/config/node-host.ts';
import { expectedClass, PARITY, parityFixtures } from '../../test/helpers/parity-fixtures.ts';
import { formatDiagnostic, readKeepalivedConfig } from './index.ts';


function read(f: string) {
  const res = readKeepalivedConfig(join(PARITY, f), { host: nodeConfigHost, configId: 'lb1' });
  const lines = res.diagnostics.map((d) => formatDiagnostic({ ...d, file: f }));
  const cls = !res.ok ? 'errors' : res.diagnostics.length ? 'warnings' : 'clean';
  return { res, lines, cls };
}

describe('keepalived parity fixtures (issue #17)', () => {
  for (const f of parityFixtures()) {
    it(`${f}: ${expectedClass(f)} as keepalived -t`, () => {
      const { lines, cls } = read(f);
      expect({ cls, lines }).toEqual({ cls: expectedClass(f), lines: cls === 'clean' ? [] : lines });
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
    expect(res.ok && res.shimUnimplemented?.map((u) => `${u.keyword}@${u.pos.line}:${u.pos.col}`)).toEqual(['lvs_sync_daemon@4:5', 'use_vmac@8:5', 'virtual_routes@14:5']);
  });
});
