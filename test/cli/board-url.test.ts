import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'vigil-board-url-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vigil = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, VIGIL_TOKEN: 'vgl_prober_x', VIGIL_SHIM_TOKEN: 'vgl_shim_x' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

describe('a Board URL with credentials in it', () => {
  it('vigil probe refuses it at start, and the password reaches no output', () => {
    const r = vigil('probe', '--board', 'http://ops:hunter2@127.0.0.1:1/v1/clusters/c1', '--vantage', 'dc1', '--for-ms', '1000');
    expect(r.code, r.out).not.toBe(0);
    expect(r.out).toMatch(/--board must not carry credentials/);
    expect(r.out).not.toContain('hunter2');
  });

  it('vigil shim refuses it before anything starts, and the password reaches no output', () => {
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, 'virtual_server 192.0.2.1 80 {\n  protocol TCP\n  real_server 192.0.2.10 80 {\n    TCP_CHECK {\n    }\n  }\n}\n');
    const key = join(dir, 'key.json');
    writeFileSync(key, JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1' }));
    const r = vigil('shim', '--config', conf, '--board', 'https://ops:hunter2@board.example/', '--cluster', 'c1', '--board-key', key, '--ipvs-backend', 'dry-run');
    expect(r.code, r.out).not.toBe(0);
    expect(r.out).toMatch(/--board must not carry credentials/);
    expect(r.out).not.toContain('hunter2');
  });

  it('a VRRP-only shim (--no-ipvs) following the Board for track_board refuses it too, and says what else --board needs', () => {
    const conf = join(dir, 'vrrp-only.conf');
    const text = [
      'vrrp_instance VI_1 {',
      '  interface eth0',
      '  virtual_router_id 51',
      '  priority 100',
      '  virtual_ipaddress {',
      '    192.0.2.100/24',
      '  }',
      '}',
      'virtual_server 192.0.2.1 80 {',
      '  protocol TCP',
      '}',
      'vigil {',
      '  track_board web {',
      '    virtual_server 192.0.2.1 80',
      '    instance VI_1',
      '  }',
      '}',
    ];
    writeFileSync(conf, text.join('\n') + '\n');
    const credentials = vigil('shim', '--config', conf, '--no-ipvs', '--board', 'https://ops:hunter2@board.example/', '--cluster', 'c1', '--board-key', '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"k1"}');
    expect(credentials.code, credentials.out).toBe(64);
    expect(credentials.out).toMatch(/--board must not carry credentials/);
    expect(credentials.out).not.toContain('hunter2');
    const missing = vigil('shim', '--config', conf, '--no-ipvs', '--board', 'https://board.example/');
    expect(missing.code, missing.out).toBe(64);
    expect(missing.out).toMatch(/track_board needs --cluster, --board-key with --board/);
  });
});
