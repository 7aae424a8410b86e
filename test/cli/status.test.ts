/**
 * `vigil status` against a running system: the real Board in workerd (wrangler
 * dev), a self-hosted vantage point checking two real backends, and a real
 * `vigil shim` following the Board's signed snapshots (dry-run IPVS backend, so
 * no root is needed) with a --status-file. The table and the JSON say what the
 * shim's file and the Board's /votes hold; a backend that stops turns the
 * answer into exit 1 naming it; a stopped shim, a broken file and a wrong
 * token each get their own answer.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/ports/clock.ts';
import { ShimStatusFile } from '../../core/status/shim-status.ts';
import type { StatusReport } from '../../core/status/status-report.ts';
import { DemoBackend } from '../../devstack/demo-backends.ts';
import { localSecrets, tokensOf } from '../../devstack/local-secrets.ts';
import { nodeCheckPorts } from '../../shim/checks/node-check-ports.ts';
import { BoardClient } from '../../shim/probe/board-client.ts';
import { SelfHostedProber } from '../../shim/probe/self-hosted-prober.ts';
import { spawnDaemon, type Daemon } from '../helpers/daemon.ts';
import { eventually, within } from '../helpers/eventually.ts';
import { vigilCli } from '../helpers/vigil-cli.ts';
import { workerForSuite } from '../helpers/worker-for-suite.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { keepalivedConf } from '../vrrp/conf.ts';
import { ip, Lab, labUnavailable } from '../vrrp/lab.ts';

const CLUSTER = 'status';
const secrets = localSecrets({ clusters: [CLUSTER], vantagePoints: ['dc1'] });
const tokens = tokensOf(secrets.tokens, CLUSTER);
const dev = workerForSuite({ secrets });
const { dir, vigil, file } = vigilCli('vigil-status-');
const ROOT = join(import.meta.dirname, '../..');

function config(a: number, b: number): string {
  const rs = (port: number) => `    real_server 127.0.0.1 ${port} {\n        TCP_CHECK {\n            connect_timeout 1\n            retry 0\n        }\n    }\n`;
  return `virtual_server 10.0.0.1 80 {\n    delay_loop 1\n    protocol TCP\n${rs(a)}${rs(b)}}\nvigil {\n    vantage_point dc1 {\n        kind self-hosted\n    }\n}\n`;
}

describe('vigil status against a running shim and Board', () => {
  const a = new DemoBackend('a');
  const b = new DemoBackend('b');
  let prober: SelfHostedProber;
  let probing: Promise<void>;
  let shim: Daemon;
  const statusFile = join(dir, 'status.json');
  const boardArgs = () => ['--board', dev.url, '--cluster', CLUSTER, '--token-file', join(dir, 'token')];
  const status = (...extra: string[]) => vigil('status', '--status-file', statusFile, ...extra);
  const json = (r: { out: string }) => JSON.parse(r.out) as StatusReport;
  const fileNow = () => ShimStatusFile.parse(JSON.parse(readFileSync(statusFile, 'utf8')));
  const rsKey = (port: number) => `tcp/10.0.0.1:80|127.0.0.1:${port}`;

  beforeAll(async () => {
    await a.start();
    await b.start();
    const conf = file('keepalived.conf', config(a.port, b.port));
    file('token', tokens.shim + '\n');
    await new BoardClient(`${dev.url}/v1/clusters/${CLUSTER}`, secrets.tokens.admin).putConfig(readFileSync(join(dir, conf), 'utf8'));
    writeFileSync(join(dir, 'key.json'), await (await fetch(`${dev.url}/v1/keys`, { signal: AbortSignal.timeout(10_000) })).text());
    prober = new SelfHostedProber({ vantagePoint: 'dc1', board: new BoardClient(`${dev.url}/v1/clusters/${CLUSTER}`, tokens.probers.dc1!), ports: nodeCheckPorts, clock: systemClock, refreshMs: 5000, flushMs: 200 });
    probing = prober.run();
    shim = spawnDaemon(process.execPath, [join(ROOT, 'bin/vigil.js'), 'shim', '--config', join(dir, conf), ...boardArgs(), '--board-key', join(dir, 'key.json'), '--ipvs-backend', 'dry-run', '--status-file', statusFile, '--state-dir', join(dir, 'state')], { cwd: dir });
  }, 60_000);
  afterAll(async () => {
    await shim?.stop();
    prober?.close();
    await within('the vantage point to stop', probing, 20_000);
    await within('the backends to stop', Promise.all([a.stop(), b.stop()]), 20_000);
  }, 60_000);

  it('all up: exit 0; the JSON is the shim’s file and the Board’s votes, the table shows both', async () => {
    await eventually(
      'the shim to apply a snapshot with both real servers alive',
      () => {
        const f = fileNow();
        return f.ipvs?.mode === 'board' && f.ipvs.table.state === 'in-sync' && f.ipvs.virtualServers[0]?.realServers.every((r) => r.alive) && f.ipvs.virtualServers[0].realServers.length === 2;
      },
      { timeoutMs: 60_000, intervalMs: 200, detail: () => shim.output().slice(-3000) },
    );
    await eventually('the Board to count a fresh up vote for both', async () => (await boardDetail()).realServers.every((r) => r.upVotes === 1), { timeoutMs: 30_000, intervalMs: 200 });
    const r = status(...boardArgs(), '--json');
    expect(r.code, r.out + r.err).toBe(0);
    const report = json(r);
    const held = fileNow();
    expect(report.attention).toEqual([]);
    expect(report.shim?.running).toBe(true);
    expect(report.shim?.pid).toBe(held.pid);
    expect(report.shim?.ipvs?.virtualServers).toEqual(held.ipvs?.virtualServers);
    expect(report.shim?.ipvs?.snapshot?.seq).toBeLessThanOrEqual(held.ipvs!.snapshot!.seq);
    const board = await boardDetail();
    const pick = (rs: { key: string; state: string; effective: string; upVotes: number; downVotes: number; quorum: number }[]) => rs.map(({ key, state, effective, upVotes, downVotes, quorum }) => ({ key, state, effective, upVotes, downVotes, quorum }));
    expect(pick(report.board!.realServers)).toEqual(pick(board.realServers));

    const t = status(...boardArgs());
    expect(t.code).toBe(0);
    expect(t.out).toMatch(new RegExp(`IPVS: mode board, snapshot seq \\d+ .*table in-sync`));
    for (const port of [a.port, b.port]) {
      expect(t.out).toMatch(new RegExp(`${escape(rsKey(port))}\\s+up\\s+yes\\s+1`));
      expect(t.out).toMatch(new RegExp(`${escape(rsKey(port))}\\s+up\\s+up\\s+1\\s+0\\s+1\\s+1\\s+dc1:up`));
    }
    expect(t.out).toContain('All well.');
  }, 120_000);

  it('a backend stops: exit 1, the Board’s down verdict and the shim’s table both named', async () => {
    await b.stop();
    await eventually('the shim to take b out of its table', () => fileNow().ipvs?.virtualServers[0]?.realServers.find((r) => r.key === rsKey(b.port))?.present === false, {
      timeoutMs: 60_000,
      intervalMs: 200,
      detail: () => shim.output().slice(-3000),
    });
    const r = status(...boardArgs(), '--json');
    expect(r.code, r.out + r.err).toBe(1);
    const report = json(r);
    expect(report.attention).toContain(`IPVS: real server ${rsKey(b.port)} is down`);
    expect(report.attention.some((x) => x.startsWith(`Board: real server ${rsKey(b.port)} is down`))).toBe(true);
    expect(report.attention.join('\n')).not.toContain(String(a.port));
    const t = status(...boardArgs());
    expect(t.code).toBe(1);
    expect(t.out).toMatch(new RegExp(`${escape(rsKey(b.port))}\\s+DOWN\\s+no`));
    expect(t.out).toMatch(new RegExp(`${escape(rsKey(b.port))}\\s+down\\s+down\\s+0\\s+1\\s+.*dc1:down\\(connect_refused\\)`));
    expect(t.out).toContain('Needs attention:');
    await b.start();
  }, 120_000);

  it('a wrong token for the Board, or a status file that is not one: exit 2, saying which', () => {
    file('bad-token', 'vgl_not-a-token\n');
    const r = vigil('status', '--board', dev.url, '--cluster', CLUSTER, '--token-file', join(dir, 'bad-token'));
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.out).toContain('Board: ERR_UNAUTHORIZED');
    const broken = file('broken.json', JSON.stringify({ instances: [{ name: 'VI_1', state: 7 }] }));
    const s = vigil('status', '--status-file', join(dir, broken));
    expect(s.code).toBe(2);
    expect(s.out).toContain(`${join(dir, broken)}: instances.0.state`);
    expect(vigil('status').code).toBe(64);
  });

  it('the shim stopped: exit 1, the shim named as not running', async () => {
    await shim.stop('SIGTERM');
    const r = status('--json');
    expect(r.code, r.out).toBe(1);
    expect(json(r).attention).toContain(`the shim (pid ${fileNow().pid}) is not running`);
  });

  async function boardDetail() {
    return new BoardClient(`${dev.url}/v1/clusters/${CLUSTER}`, tokens.shim).voteDetail();
  }
});

const labSkip = labUnavailable();

describe.skipIf(!!labSkip)(skipTitle('vigil status on a VRRP director (network namespace)', labSkip), () => {
  let lab: Lab;
  beforeAll(() => {
    lab = new Lab(1, 18).create();
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  it('MASTER: exit 0, the instances as the shim holds them; a failed track_script: FAULT, exit 1 naming it', async () => {
    const d = lab.directors[0]!;
    const flag = lab.write('ok', '');
    const top = ['vrrp_script chk {', `  script "/usr/bin/test -e ${flag}"`, '  interval 0.2', '}'];
    const conf = lab.write('st.conf', top.join('\n') + '\n' + keepalivedConf('st', [{ version: 3, vip: `${lab.vip()}/24`, priority: 150, extra: ['track_script {', '  chk', '}'] }]));
    const p = lab.shim(d, 'st', conf);
    const statusFile = join(lab.dir, 'st.status.json');
    const run = () => spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), 'status', '--status-file', statusFile, '--json'], { encoding: 'utf8', timeout: 30_000 });
    await eventually('the shim to report MASTER', () => lab.status('st')?.instances[0]?.state === 'MASTER', { timeoutMs: 20_000, detail: () => p.output().slice(-2000) });
    const ok = run();
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    const held = ShimStatusFile.parse(lab.status('st'));
    const shown = (JSON.parse(ok.stdout) as StatusReport).shim!;
    expect(shown.instances.map(({ name, state, priority }) => ({ name, state, priority }))).toEqual(held.instances.map(({ name, state, priority }) => ({ name, state, priority })));
    const table = spawnSync(process.execPath, [join(ROOT, 'bin/vigil.js'), 'status', '--status-file', statusFile], { encoding: 'utf8', timeout: 30_000 }).stdout;
    expect(table).toMatch(/VI_1\s+MASTER\s+150/);
    ip(['netns', 'exec', d.ns, 'rm', '-f', flag]);
    await eventually('the shim to report FAULT', () => lab.status('st')?.instances[0]?.state === 'FAULT', { timeoutMs: 20_000, detail: () => p.output().slice(-2000) });
    const bad = run();
    expect(bad.status, bad.stdout).toBe(1);
    expect((JSON.parse(bad.stdout) as StatusReport).attention).toEqual(['vrrp_instance VI_1 is in FAULT']);
  }, 60_000);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
