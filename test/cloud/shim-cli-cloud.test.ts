import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localSecrets, tokensOf } from '../../devstack/local-secrets.ts';
import { Ec2Endpoint } from '../ec2/ec2-endpoint.ts';
import { ALLOCATION_ID, DIRECTORS, seed } from '../ec2/fixture.ts';
import { spawnDaemon, type Daemon } from '../helpers/daemon.ts';
import { eventually, within } from '../helpers/eventually.ts';
import { freePort } from '../../devstack/wrangler-dev.ts';
import { WorkerdKeeper } from './workerd-keeper.ts';

/**
 * The operator's view of cloud failover: `vigil shim --director …` processes,
 * configured only by a keepalived.conf with a vigil { cloud_binding } block,
 * the Board in workerd, and AWS's SDK pointed at the test's EC2 endpoint
 * through its standard environment settings. Each test has a cluster and an
 * EC2 world of its own: no test starts from what another left.
 */
const ROOT = join(import.meta.dirname, '../..');
const VIGIL = join(ROOT, 'bin/vigil.js');
const dir = mkdtempSync(join(tmpdir(), 'vigil-shim-cloud-'));
/** One cluster per test (beforeEach), each director with its own token, as a deployment scopes them. */
const CLUSTERS = ['prod-1', 'prod-2', 'prod-3'];
const secrets = localSecrets({ clusters: CLUSTERS, directors: DIRECTORS.slice(0, 2).map((d) => d.id) });
let keeper: WorkerdKeeper;
let endpoint: Ec2Endpoint;
let cluster = '';
let clusters = 0;

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

const tokenOf = (id: string) => tokensOf(secrets.tokens, cluster).directors[id]!;

function startShim(id: string, extra: string[] = []): Daemon {
  const tokenFile = join(dir, `token-${cluster}-${id}`);
  writeFileSync(tokenFile, tokenOf(id) + '\n', { mode: 0o600 });
  return spawnDaemon(process.execPath, [VIGIL, 'shim', '--config', join(dir, 'keepalived.conf'), '--director', id, '--board', keeper.url, '--cluster', cluster, '--token-file', tokenFile, '--cloud-heartbeat', '0.5', '--cloud-release', ...extra], {
    cwd: dir,
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIAVIGILTEST0000000', AWS_SECRET_ACCESS_KEY: 'vigil-test-secret-not-a-real-key', AWS_ENDPOINT_URL_EC2: endpoint.url, AWS_REGION: 'eu-west-1' },
  });
}

const holder = () => endpoint.world.describeAddresses([ALLOCATION_ID])[0]?.instanceId;
const holderIs = (d: (typeof DIRECTORS)[number] | undefined, shim: Daemon) =>
  eventually(`the Elastic IP on ${d?.id ?? 'no one'}`, () => holder() === d?.instanceId, { timeoutMs: 30_000, detail: () => `held by ${holder() ?? 'no one'}\n${shim.output().slice(-3000)}` });

beforeAll(async () => {
  keeper = new WorkerdKeeper(secrets);
  await keeper.start();
  writeFileSync(join(dir, 'keepalived.conf'), CONF);
}, 120_000);

beforeEach(async () => {
  endpoint = new Ec2Endpoint(seed());
  await endpoint.start();
  cluster = CLUSTERS[clusters++]!;
  const res = await fetch(`${keeper.url}/v1/clusters/${cluster}/config`, { method: 'PUT', headers: { Authorization: `Bearer ${secrets.tokens.admin}`, 'Content-Type': 'text/plain' }, body: CONF, signal: AbortSignal.timeout(20_000) });
  expect(res.status, await res.text()).toBe(201);
}, 30_000);

afterEach(async () => {
  await endpoint?.stop();
});

afterAll(async () => {
  await keeper?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('vigil shim --director: cloud failover from the command line', () => {
  it('refuses to start without the Board settings, naming what is missing', async () => {
    const r = spawnSync(process.execPath, [VIGIL, 'shim', '--config', join(dir, 'keepalived.conf'), '--director', 'lb1'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.error?.message).toBe(64);
    expect(r.stderr).toContain('cloud failover needs --board, --cluster, --token/--token-file/VIGIL_SHIM_TOKEN');
  }, 30_000);

  it('the higher-priority director takes the Elastic IP; when it is killed the standby gets it; the token never shows', async () => {
    const lb1 = startShim('lb1');
    const port = await freePort();
    const lb2 = startShim('lb2', ['--metrics-listen', `127.0.0.1:${port}`]);
    await holderIs(DIRECTORS[0], lb1);
    const held = async () => /^vigil_shim_lease_held\{binding="web"\} (\d)$/m.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text())?.[1];
    await eventually("the standby's /metrics to say it holds nothing", async () => (await held().catch(() => undefined)) === '0', { timeoutMs: 10_000 });
    await lb1.stop('SIGKILL');
    await holderIs(DIRECTORS[1], lb2);
    await eventually("the standby's /metrics to say it holds the lease", async () => (await held()) === '1', { timeoutMs: 10_000 });
    for (const s of [lb1, lb2]) for (const id of ['lb1', 'lb2']) expect(s.output()).not.toContain(tokenOf(id));
    expect(lb2.output()).toContain('cloud granted');
  }, 90_000);

  it('a graceful stop with --cloud-release gives the address back; before it, vigil status shows the lease held', async () => {
    const statusFile = join(dir, `status-${cluster}.json`);
    const lb2 = startShim('lb2', ['--status-file', statusFile]);
    await holderIs(DIRECTORS[1], lb2);
    const leases = await eventually(
      'vigil status to show the lease on web',
      () => {
        const r = spawnSync(process.execPath, [VIGIL, 'status', '--status-file', statusFile, '--json'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
        const shown = r.status === 0 ? (JSON.parse(r.stdout) as { shim: { leases?: Array<{ binding: string; token: number; expiresInMs: number }> } }).shim.leases : undefined;
        return shown?.length ? shown : false;
      },
      { timeoutMs: 20_000, intervalMs: 300, detail: () => lb2.output().slice(-2000) },
    );
    expect(leases).toHaveLength(1);
    expect(leases[0]).toMatchObject({ binding: 'web' });
    expect(leases[0]!.token).toBeGreaterThan(0);
    // lease_ttl 2: the lease runs out within two seconds unless renewed.
    expect(leases[0]!.expiresInMs).toBeGreaterThan(0);
    expect(leases[0]!.expiresInMs).toBeLessThanOrEqual(2000);
    lb2.signal('SIGTERM');
    expect(await within('the shim to exit after SIGTERM', lb2.exited, 30_000), lb2.output()).toBe(0);
    expect(holder()).toBeUndefined();
  }, 60_000);
});
