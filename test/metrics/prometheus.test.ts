import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../devstack/wrangler-dev.ts';
import { localSecrets, tokensOf } from '../../devstack/local-secrets.ts';
import { spawnDaemon } from '../helpers/daemon.ts';
import { eventually } from '../helpers/eventually.ts';
import { promtool, promtoolMissing } from '../helpers/promtool.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { workerForSuite } from '../helpers/worker-for-suite.ts';
import { RS1, RS2, threeVantageConfig, vote } from '../../workers/test/configs.ts';

/**
 * Both /metrics endpoints as Prometheus would scrape them, checked by Debian's
 * promtool: the Board's (the real Worker under wrangler dev, workerd) after
 * votes, a refused vote and a lease grant, and a real `vigil shim` process
 * following that Board. The values asserted are the ones the alert rules in
 * docs/alerts/vigil-rules.yml read.
 */
const CLUSTER = 'prom-a';
const secrets = localSecrets({ clusters: [CLUSTER], vantagePoints: ['dc1', 'dc2', 'dc3'], directors: ['lb1'] });
const t = tokensOf(secrets.tokens, CLUSTER);
const dev = workerForSuite({ secrets });
const dir = mkdtempSync(join(tmpdir(), 'vigil-prom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONF = threeVantageConfig(`    cloud_binding web-eip {
        kind elastic-ip
        allocation_id eipalloc-0123456789abcdef0
        lease_ttl 30
        director lb1 {
            priority 150
            instance_id i-0123456789abcdef0
        }
    }`);
const VS = 'tcp/192.0.2.10:80';
const ALERTS = join(import.meta.dirname, '../../docs/alerts');
/** Each endpoint's scrape, kept for the rules test at the end. */
const scraped: { board?: string; shim?: string } = {};

async function call(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${token}`);
  return fetch(`${dev.url}/v1/clusters/${CLUSTER}${path}`, { ...init, headers, signal: AbortSignal.timeout(10_000) });
}
const postVotes = (vp: string, votes: unknown[]) => call('/votes', t.probers[vp]!, { method: 'POST', body: JSON.stringify({ votes }), headers: { 'Content-Type': 'application/json' } });

/** The value of the one series `name{labels}` (labels in the order the Board writes them), or undefined. */
function sample(text: string, series: string): string | undefined {
  return text.split('\n').find((l) => l.startsWith(`${series} `))?.slice(series.length + 1);
}

describe.skipIf(!!promtoolMissing)(skipTitle('Prometheus exposition, checked by promtool', promtoolMissing), () => {
  it("the Board's /metrics (viewer token) passes promtool check metrics and says what the votes, a refused vote and a lease grant did", async () => {
    expect((await call('/config', secrets.tokens.admin, { method: 'PUT', body: CONF, headers: { 'Content-Type': 'text/plain' } })).status).toBe(201);
    for (const vp of ['dc1', 'dc2']) expect((await postVotes(vp, [vote(RS1, vp, false), vote(RS2, vp, true)])).status).toBe(200);
    // A vote dated 10 minutes ago is refused (clock skew) and counted.
    expect((await postVotes('dc3', [vote(RS1, 'dc3', true, Date.now() - 600_000)])).status).toBe(400);
    const hb = await call('/directors/lb1/heartbeat', t.directors.lb1!, { method: 'POST', body: JSON.stringify({ healthy: true, bindings: ['web-eip'] }), headers: { 'Content-Type': 'application/json' } });
    expect(hb.status, await hb.clone().text()).toBe(200);

    expect((await call('/metrics', t.shim)).status, 'a shim token reads no metrics').toBe(403);
    const res = await call('/metrics', t.viewer);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const lint = promtool(['check', 'metrics'], text);
    expect(lint.code, `${lint.out}\n${text}`).toBe(0);
    scraped.board = text;

    const rs = (ip: string, state: string) => `vigil_real_server_state{cluster="${CLUSTER}",virtual_server="${VS}",real_server="${ip}:80",state="${state}"}`;
    const got = {
      rs1Down: sample(text, rs('10.1.0.1', 'down')),
      rs1Up: sample(text, rs('10.1.0.1', 'up')),
      rs2Up: sample(text, rs('10.1.0.2', 'up')),
      quorumUp: sample(text, `vigil_virtual_server_quorum_up{cluster="${CLUSTER}",virtual_server="${VS}"}`),
      dc1Fresh: sample(text, `vigil_vantage_point_fresh_votes{cluster="${CLUSTER}",vantage_point="dc1"}`),
      dc3Fresh: sample(text, `vigil_vantage_point_fresh_votes{cluster="${CLUSTER}",vantage_point="dc3"}`),
      dc3Assigned: sample(text, `vigil_vantage_point_assigned_real_servers{cluster="${CLUSTER}",vantage_point="dc3"}`),
      dc3Age: sample(text, `vigil_vantage_point_last_vote_age_seconds{cluster="${CLUSTER}",vantage_point="dc3"}`),
      ingested: sample(text, `vigil_votes_ingested_total{cluster="${CLUSTER}"}`),
      skewed: sample(text, `vigil_votes_rejected_total{cluster="${CLUSTER}",reason="clock_skew"}`),
      config: sample(text, `vigil_config_version{cluster="${CLUSTER}"}`),
      holder: sample(text, `vigil_lease_holder{cluster="${CLUSTER}",binding="web-eip",director="lb1"}`),
      fencing: sample(text, `vigil_lease_fencing_token{cluster="${CLUSTER}",binding="web-eip"}`),
    };
    expect(got, text).toEqual({ rs1Down: '1', rs1Up: '0', rs2Up: '1', quorumUp: '1', dc1Fresh: '2', dc3Fresh: '0', dc3Assigned: '2', dc3Age: '+Inf', ingested: '4', skewed: '1', config: '1', holder: '1', fencing: '1' });
    expect(Number(sample(text, `vigil_snapshot_sequence{cluster="${CLUSTER}"}`)), text).toBeGreaterThan(0);
    expect(Number(sample(text, `vigil_snapshot_age_seconds{cluster="${CLUSTER}"}`)), text).toBeLessThan(Number(sample(text, `vigil_snapshot_ttl_seconds{cluster="${CLUSTER}"}`)));
  }, 60_000);

  it("a real vigil shim's /metrics passes promtool check metrics once it has applied the Board's snapshot", async () => {
    const keys = (await (await fetch(`${dev.url}/v1/keys`)).json()) as { keys: unknown[] };
    writeFileSync(join(dir, 'key.json'), JSON.stringify(keys.keys[0]));
    writeFileSync(join(dir, 'token'), `${t.shim}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'keepalived.conf'), CONF);
    const port = await freePort();
    const shim = spawnDaemon(process.execPath, [join(import.meta.dirname, '../../bin/vigil.js'), 'shim', '--config', join(dir, 'keepalived.conf'), '--board', dev.url, '--cluster', CLUSTER, '--token-file', join(dir, 'token'), '--board-key', join(dir, 'key.json'), '--ipvs-backend', 'dry-run', '--metrics-listen', `127.0.0.1:${port}`, '--board-backoff-max', '1'], { env: { ...process.env } });
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    // Applied: the kernel side (dry-run) holds the desired service, so every family has its series.
    const text = await eventually('the shim to apply a snapshot and report its IPVS service in the kernel table', async () => {
      if (shim.hasExited()) throw new Error(`vigil shim exited: ${shim.output()}`);
      const m = await scrape().catch(() => '');
      return /^vigil_shim_ipvs_services\{table="kernel"\} 1$/m.test(m) && /^vigil_shim_mode\{mode="board"\} 1$/m.test(m) ? m : null;
    }, { timeoutMs: 40_000, intervalMs: 250 });
    const lint = promtool(['check', 'metrics'], text);
    expect(lint.code, `${lint.out}\n${text}`).toBe(0);
    scraped.shim = text;
    expect(text).toMatch(/^vigil_shim_snapshots_accepted_total [1-9]/m);
    // 10.1.0.1 is down by quorum: out of the table, as keepalived removes a failed real server (no inhibit_on_failure).
    expect(text).toMatch(/^vigil_shim_ipvs_real_servers\{table="desired"\} 1$/m);
    expect(text).toMatch(/^vigil_shim_ipvs_real_servers\{table="kernel"\} 1$/m);
    await shim.stop();
  }, 90_000);

  it('the example alert rules (docs/alerts) pass promtool check rules and their unit tests, and read only series the endpoints above export', () => {
    const check = promtool(['check', 'rules', 'vigil-rules.yml'], undefined, ALERTS);
    expect(check.code, check.out).toBe(0);
    const unit = promtool(['test', 'rules', 'vigil-rules.test.yml'], undefined, ALERTS);
    expect(unit.code, unit.out).toBe(0);
    expect(scraped.board && scraped.shim, 'both scrapes above succeeded').toBeTruthy();
    const exported = new Set(`${scraped.board}\n${scraped.shim}`.split('\n').flatMap((l) => /^# TYPE (\S+)/.exec(l)?.[1] ?? []));
    const named = [...new Set(readFileSync(join(ALERTS, 'vigil-rules.yml'), 'utf8').match(/\bvigil_[a-z_]+/g))];
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((n) => !exported.has(n)), 'metrics the rules read that no endpoint exports').toEqual([]);
  });
});
