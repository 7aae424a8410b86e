import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSecrets } from '../../devstack/local-secrets.ts';
import { Ec2Endpoint } from '../ec2/ec2-endpoint.ts';
import { ALLOCATION_ID, binding, DIRECTORS, seed } from '../ec2/fixture.ts';
import { WorkerdKeeper } from './workerd-keeper.ts';

/**
 * The operator's view of cloud failover: `vigil shim --director …` processes,
 * configured only by a keepalived.conf with a vigil { cloud_binding } block,
 * the Board in workerd, and AWS's SDK pointed at the test's EC2 endpoint
 * through its standard environment settings.
 */
const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'vigil-shim-cloud-'));
const secrets = localSecrets([]);
let keeper: WorkerdKeeper;
let endpoint: Ec2Endpoint;
let endpointUrl = '';
const shims = new Map<string, { child: ChildProcess; out: string }>();

const CONF = `vigil {
    cloud_binding web {
        kind elastic-ip
        region eu-west-1
        allocation_id ${ALLOCATION_ID}
        lease_ttl 2
${DIRECTORS.slice(0, 2).map((d) => `        director ${d.id} {\n            priority ${d.priority}\n            instance_id ${d.instanceId}\n        }`).join('\n')}
    }
}
`;

function startShim(id: string): void {
  const child = spawn(process.execPath, [join(ROOT, 'bin/vigil.js'), 'shim', '--config', join(dir, 'keepalived.conf'), '--director', id, '--board', keeper.url, '--cluster', 'prod', '--token-file', join(dir, 'token'), '--cloud-heartbeat', '0.5', '--cloud-release'], {
    cwd: dir,
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIAVIGILTEST0000000', AWS_SECRET_ACCESS_KEY: 'vigil-test-secret-not-a-real-key', AWS_ENDPOINT_URL_EC2: endpointUrl, AWS_REGION: 'eu-west-1' },
  });
  const s = { child, out: '' };
  child.stdout!.on('data', (d: Buffer) => (s.out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (s.out += d.toString()));
  shims.set(id, s);
}

const holder = () => endpoint.world.describeAddresses([ALLOCATION_ID])[0]?.instanceId;
async function until(what: () => boolean, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return what();
}

beforeAll(async () => {
  endpoint = new Ec2Endpoint(seed());
  endpointUrl = await endpoint.start();
  keeper = new WorkerdKeeper(secrets);
  await keeper.start();
  writeFileSync(join(dir, 'keepalived.conf'), CONF);
  writeFileSync(join(dir, 'token'), secrets.tokens.shim + '\n', { mode: 0o600 });
  const res = await fetch(`${keeper.url}/v1/clusters/prod/config`, { method: 'PUT', headers: { Authorization: `Bearer ${secrets.tokens.admin}`, 'Content-Type': 'text/plain' }, body: CONF, signal: AbortSignal.timeout(20_000) });
  expect(res.status, await res.text()).toBe(201);
}, 120_000);

afterAll(async () => {
  for (const s of shims.values()) s.child.kill('SIGKILL');
  await keeper?.dispose();
  await endpoint?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('vigil shim --director: cloud failover from the command line', () => {
  it('refuses to start without the Board settings, naming what is missing', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/vigil.js'), 'shim', '--config', join(dir, 'keepalived.conf'), '--director', 'lb1'], { cwd: dir });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(64);
    expect(err).toContain('cloud failover needs --board, --cluster, --token/--token-file/VIGIL_SHIM_TOKEN');
  }, 30_000);

  it('the higher-priority director takes the Elastic IP; when it is killed the standby gets it; the token never shows', async () => {
    startShim('lb1');
    startShim('lb2');
    expect(await until(() => holder() === DIRECTORS[0].instanceId, 30_000), shims.get('lb1')!.out).toBe(true);
    shims.get('lb1')!.child.kill('SIGKILL');
    expect(await until(() => holder() === DIRECTORS[1].instanceId, 30_000), shims.get('lb2')!.out).toBe(true);
    for (const s of shims.values()) expect(s.out).not.toContain(secrets.tokens.shim);
    expect(shims.get('lb2')!.out).toContain('cloud granted');
  }, 90_000);

  it('a graceful stop with --cloud-release gives the address back', async () => {
    const s = shims.get('lb2')!;
    s.child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => s.child.on('exit', r));
    expect(code).toBe(0);
    expect(holder()).toBeUndefined();
  }, 30_000);
});
