import { describe, expect, it } from 'vitest';
import { readKeepalivedConfig, singleFileHost } from '../keepalived/index.ts';
import { Config } from './model.ts';
import { REDACTED, redactForViewer } from './redact.ts';

const TEXT = `
global_defs {
    router_id lb1
    notification_email {
        ops@example.com
    }
}
vrrp_script chk_haproxy {
    script "/usr/local/bin/check --password hunter2"
}
vrrp_track_process tp_app {
    process /opt/app/bin/server --secret-key k3y
    param_match partial
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    authentication {
        auth_type PASS
        auth_pass s3cr3tpw
    }
    virtual_ipaddress {
        192.0.2.10
    }
    notify_master "/etc/keepalived/master.sh --api-key abc123"
}
virtual_server 192.0.2.10 80 {
    protocol TCP
    quorum_up "/usr/bin/quorum-up --token qqq"
    sorry_server 192.0.2.99 80
    real_server 192.0.2.1 80 {
        weight 3
        MISC_CHECK {
            misc_path "/usr/bin/check-app --db-pass pw123"
            user nobody
        }
    }
}
`;

function model(): Config {
  const r = readKeepalivedConfig('keepalived.conf', { host: singleFileHost('keepalived.conf', TEXT), configId: 'lb1' });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.config;
}

describe('the config a viewer reads', () => {
  it('keeps no script command line, password or carried-through keyword, and still parses as a Config', () => {
    const full = model();
    const seen = JSON.stringify(redactForViewer(full));
    for (const secret of ['hunter2', 's3cr3tpw', 'abc123', 'qqq', 'pw123', '/usr/bin/check-app', '/etc/keepalived/master.sh', 'k3y', '/opt/app/bin/server']) expect(seen, secret).not.toContain(secret);
    expect(seen).toContain(REDACTED);
    expect(Config.parse(JSON.parse(seen))).toBeDefined();
  });

  it('keeps what a dashboard shows: addresses, weights, checks, sorry server, the alert address', () => {
    const view = redactForViewer(model());
    const vs = view.virtualServers[0]!;
    expect(vs).toMatchObject({ ip: '192.0.2.10', port: 80, sorryServer: { ip: '192.0.2.99', port: 80 } });
    expect(vs.realServers[0]).toMatchObject({ ip: '192.0.2.1', weight: 3, checks: [{ type: 'MISC_CHECK', miscPath: { command: REDACTED } }] });
    expect(JSON.stringify(view.globalDefs)).toContain('ops@example.com');
    expect(view.vrrpInstances[0]!.authentication).toEqual({ type: 'PASS', pass: REDACTED });
  });
});
