import { describe, expect, it } from 'vitest';
import { vigilCli } from '../helpers/vigil-cli.ts';

const { vigil, file } = vigilCli('vigil-cli-');

const clean = `global_defs {
    router_id lb1
}
virtual_server 192.0.2.10 80 {
    protocol TCP
    lvs_sched wrr
    real_server 198.51.100.1 8080 {
        weight 3
        TCP_CHECK {
            connect_timeout 2
        }
    }
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        192.0.2.10/24
    }
}
`;

describe('vigil check-config', () => {
  it('exits 0 on a clean file and prints a one-line summary', () => {
    const r = vigil('check-config', file('clean.conf', clean));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe('clean.conf: 1 virtual servers, 1 real servers, 1 checks, 1 VRRP instances, 0 sync groups; 0 warning(s)');
  });

  it('exits 2 when there are only warnings, printing each as file:line:col', () => {
    const r = vigil('check-config', file('warn.conf', clean.replace('        weight 3', '        weight 3\n        frobnicate 1')));
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe("warn.conf:9:9: warning: unknown keyword 'frobnicate' in real_server; ignored");
  });

  it('exits 1 on any error', () => {
    const r = vigil('check-config', file('bad.conf', clean.replace('198.51.100.1', '198.51.100.1.7')));
    expect(r.code).toBe(1);
    expect(r.err).toContain("bad.conf:7:17: error: real_server: '198.51.100.1.7' is not an IPv4 or IPv6 address");
  });

  it('honours --config-id for @id lines', () => {
    const conf = file('cond.conf', clean.replace('    interface eth0', '    @lb1 interface eth0'));
    expect(vigil('check-config', '-i', 'lb1', conf).code).toBe(0);
    const other = vigil('check-config', '-i', 'lb2', conf);
    expect(other.code).toBe(1);
    expect(other.err).toContain('needs an interface');
  });
});

describe('vigil import / export / schema', () => {
  it('import prints the Vigil JSON form with the documented top level', () => {
    const r = vigil('import', file('imp.conf', clean));
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    for (const k of ['virtualServers', 'vrrpInstances', 'vrrpSyncGroups', 'vrrpScripts', 'globalDefs', 'vigil']) expect(doc).toHaveProperty(k);
    expect((doc.virtualServers as { realServers: { port: number }[] }[])[0]!.realServers[0]!.port).toBe(8080);
  });

  it('import refuses an invalid file with the same error lines and exit 1', () => {
    const r = vigil('import', file('imp-bad.conf', clean.replace('weight 3', 'weight -3')));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain("imp-bad.conf:8:16: error: weight: -3 is out of range 0..2147483647");
  });

  it('export writes keepalived.conf that reads back to the same JSON', () => {
    const json = vigil('import', file('exp.conf', clean)).out;
    const exported = vigil('export', file('exp.json', json));
    expect(exported.code).toBe(0);
    const again = vigil('import', file('exp-again.conf', exported.out));
    expect(JSON.parse(again.out)).toEqual(JSON.parse(json));
  });

  it('export refuses bad JSON with a path and a position', () => {
    const r = vigil('export', file('bad.json', '{\n  "virtualServers": [\n    { "ip": "10.0.0.1", "port": 99999 }\n  ]\n}\n'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^bad\.json:3:33: error: virtualServers\.0\.port: /m);
  });

  it('schema prints a JSON Schema an editor can use', () => {
    const r = vigil('schema');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { $schema: string; properties: Record<string, unknown> };
    expect(s.$schema).toContain('json-schema.org');
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['virtualServers', 'vrrpInstances', 'vigil']));
  });
});
