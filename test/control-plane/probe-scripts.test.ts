import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BoardClient } from '../../shim/probe/board-client.ts';
import { lookupUser } from '../../shim/checks/script-security.ts';
import { localSecrets, tokensOf } from '../../devstack/local-secrets.ts';
import { workerForSuite } from '../helpers/worker-for-suite.ts';
import { spawnDaemon, type Daemon } from '../helpers/daemon.ts';
import { eventually } from '../helpers/eventually.ts';

/**
 * Scripts from the Board: the Worker in workerd (wrangler dev) hands a real
 * `vigil probe` process a config with a MISC_CHECK that would create a marker
 * file. Without --allow-scripts the Board's own vote detail shows the refusal
 * before the marker is looked for; with it, the script runs as script_user;
 * enable_script_security refuses a script anyone can rewrite.
 */
const CLUSTERS = ['scripts-off', 'scripts-assignment', 'scripts-on', 'scripts-insecure'];
const secrets = localSecrets({ clusters: CLUSTERS, vantagePoints: ['dc1'] });
const VIGIL = join(import.meta.dirname, '../../bin/vigil.js');
const WAIT_MS = 40_000;

const dev = workerForSuite({ secrets });

/** A directory of this test's own, root-owned; `mode` as the case needs it. */
function scratch(mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-scripts-'));
  chmodSync(dir, mode);
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const RS = 'tcp/10.9.0.1:80|127.0.0.1:9';
function conf(miscPath: string, globals: string[] = []): string {
  return [
    'global_defs {',
    '    router_id secret-router-name',
    '    notification_email {',
    '        ops@example.com',
    '    }',
    ...globals.map((g) => `    ${g}`),
    '}',
    'virtual_server 10.9.0.1 80 {',
    '    delay_loop 1',
    '    protocol TCP',
    '    real_server 127.0.0.1 9 {',
    '        notify_down "/usr/bin/logger down"',
    '        MISC_CHECK {',
    `            misc_path "${miscPath}"`,
    '            misc_timeout 5',
    '        }',
    '    }',
    '}',
    'vigil {',
    '    vantage_point dc1 {',
    '        kind self-hosted',
    '    }',
    '}',
    '',
  ].join('\n');
}

const clusterUrl = (cluster: string) => `${dev.url}/v1/clusters/${cluster}`;

function probe(cluster: string, extra: string[] = []): Daemon {
  return spawnDaemon(process.execPath, [VIGIL, 'probe', '--board', clusterUrl(cluster), '--vantage', 'dc1', '--refresh-ms', '2000', ...extra], { env: { ...process.env, VIGIL_TOKEN: tokensOf(secrets.tokens, cluster).probers.dc1 } });
}

/** dc1's vote on the real server as the Board holds it: what every consumer of the verdict sees. */
async function dc1Vote(cluster: string): Promise<{ up: boolean; reason: string } | undefined> {
  const detail = await new BoardClient(clusterUrl(cluster), tokensOf(secrets.tokens, cluster).shim).voteDetail();
  return detail.realServers.find((r) => r.key === RS)?.votes.dc1;
}

describe('MISC_CHECK from the Board on a self-hosted prober', () => {
  it('without --allow-scripts the script is never run: the Board shows dc1 voting down with script_refused, and the marker is absent', async () => {
    const dir = scratch(0o777);
    const marker = join(dir, 'ran');
    const cluster = 'scripts-off';
    const put = await new BoardClient(clusterUrl(cluster), secrets.tokens.admin).putConfig(conf(`/usr/bin/touch ${marker}`));
    // The operator is told at upload time that probers need the opt-in.
    expect(put.warnings.some((w) => /MISC_CHECK .*self-hosted vantage point\(s\) dc1: .*--allow-scripts/.test(w)), put.warnings.join('\n')).toBe(true);
    const p = probe(cluster);
    await p.waitForLine('the probe to say scripts are refused', /scripts refused \(no --allow-scripts\)/, WAIT_MS);
    const vote = await eventually(`dc1's vote on ${RS} with reason script_refused on the Board`, async () => {
      const v = await dc1Vote(cluster);
      return v?.reason === 'script_refused' ? v : undefined;
    }, { timeoutMs: WAIT_MS, detail: () => p.output() });
    expect(vote.up).toBe(false);
    // The Board has the refused vote, so the checker has run its turn: only now is absence meaningful.
    expect(existsSync(marker), p.output()).toBe(false);
  }, 90_000);

  it('the assignment a prober fetches carries its own real servers and the script policy, not the rest of global_defs or notify scripts', async () => {
    const cluster = 'scripts-assignment';
    await new BoardClient(clusterUrl(cluster), secrets.tokens.admin).putConfig(conf('/bin/true', ['script_user nobody', 'enable_script_security']));
    const a = await new BoardClient(clusterUrl(cluster), tokensOf(secrets.tokens, cluster).probers.dc1!).assignment('dc1');
    expect(a.targets).toEqual([RS]);
    expect(a.config.globalDefs.scriptUser).toEqual({ user: 'nobody' });
    expect(a.config.globalDefs.enableScriptSecurity).toBe(true);
    expect(a.config.globalDefs.routerId).toBeUndefined();
    expect(a.config.globalDefs.notificationEmail).toEqual([]);
    expect(a.config.virtualServers).toHaveLength(1);
    expect(a.config.virtualServers[0]!.realServers[0]!.notifyDown).toBeUndefined();
    expect(a.config.virtualServers[0]!.realServers[0]!.checks[0]!.type).toBe('MISC_CHECK');
  }, 60_000);

  it('with --allow-scripts and script_user nobody the script runs, as nobody', async () => {
    const dir = scratch(0o777);
    const marker = join(dir, 'ran');
    const cluster = 'scripts-on';
    await new BoardClient(clusterUrl(cluster), secrets.tokens.admin).putConfig(conf(`/usr/bin/touch ${marker}`, ['script_user nobody']));
    const p = probe(cluster, ['--allow-scripts']);
    await eventually(`the MISC_CHECK to create ${marker}`, () => existsSync(marker), { timeoutMs: WAIT_MS, detail: () => p.output() });
    expect(statSync(marker).uid).toBe(lookupUser('nobody')!.uid);
    await eventually(`dc1's vote on ${RS} to be up on the Board`, async () => (await dc1Vote(cluster))?.up === true, { timeoutMs: WAIT_MS, detail: () => p.output() });
  }, 90_000);

  it('with --allow-scripts, enable_script_security refuses a world-writable script: script_refused, a log line saying why, and it never runs', async () => {
    const dir = scratch(0o755);
    const markers = scratch(0o777);
    const marker = join(markers, 'ran');
    const script = join(dir, 'check.sh');
    writeFileSync(script, `#!/bin/sh\n/usr/bin/touch ${marker}\n`);
    chmodSync(script, 0o777);
    const cluster = 'scripts-insecure';
    await new BoardClient(clusterUrl(cluster), secrets.tokens.admin).putConfig(conf(script, ['script_user nobody', 'enable_script_security']));
    const p = probe(cluster, ['--allow-scripts']);
    await p.waitForLine('the refusal with its reason', new RegExp(`script refused: ${script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: enable_script_security: ${script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is writable by anyone`), WAIT_MS);
    await eventually(`dc1's vote on ${RS} with reason script_refused on the Board`, async () => (await dc1Vote(cluster))?.reason === 'script_refused', { timeoutMs: WAIT_MS, detail: () => p.output() });
    expect(existsSync(marker), p.output()).toBe(false);
  }, 90_000);
});
