import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planCheckers, type PlannedChecker, type PlannedRealServer } from '../../core/check/checker-plan.ts';
import { systemClock } from '../../core/ports/clock.ts';
import { localSecrets, tokensOf } from '../../devstack/local-secrets.ts';
import { startWranglerDev, type WranglerDev } from '../../devstack/wrangler-dev.ts';
import { LocalVerdicts } from '../../shim/daemon/local-verdicts.ts';
import { BoardClient } from '../../shim/probe/board-client.ts';
import { spawnDaemon } from '../helpers/daemon.ts';
import { eventually } from '../helpers/eventually.ts';
import { configFrom } from '../helpers/config-from.ts';

/**
 * The same behaviour everywhere: one config, one real server with two checks
 * (a TCP_CHECK that a loopback server accepts, an HTTP_GET it answers 404),
 * run by the edge Prober in workerd (wrangler dev), by a real `vigil probe`
 * process, and by the shim's `--local` checks. Each must run the same
 * checkers (ids, type, address, timing) and vote the same for the real
 * server: down, `status_mismatch` (a self-hosted vantage point used to say
 * `protocol_error` whenever the passing check reported last).
 *
 * Why not a TCP_CHECK to a refused port: workerd's sockets fail every
 * connect alike ("proxy request failed, cannot connect to the specified
 * address"), so the edge says `connect_error` where Node says
 * `connect_refused`; the reason would differ by runtime, not by rule.
 */
const BIN = join(import.meta.dirname, '../../bin/vigil.js');
const CLUSTER = 'same-checks';
const DELAY_LOOP_MS = 2000;

const secrets = localSecrets({ clusters: [CLUSTER], vantagePoints: ['dc1'] });
const tokens = tokensOf(secrets.tokens, CLUSTER);
let dev: WranglerDev;
let http: Server;
let httpPort: number;
/** Every request the loopback server answered, with its arrival time. */
const requests: { atMs: number; line: string; host: string | undefined; userAgent: string | undefined }[] = [];
/** When each connection that carried no request closed: a TCP_CHECK's connect and close. */
const bareConnections: number[] = [];
let dir: string;
let configText: string;
let RS: string;

const configFor = (port: number) => `
virtual_server 10.9.0.1 80 {
    delay_loop ${DELAY_LOOP_MS / 1000}
    protocol TCP
    real_server 127.0.0.1 ${port} {
        weight 1
        TCP_CHECK {
            connect_timeout 2
        }
        HTTP_GET {
            url {
                path /missing
                status_code 200
            }
            connect_timeout 2
            retry 0
            delay_before_retry 1
        }
    }
}
vigil {
    vantage_point weur {
        kind edge
        region weur
    }
    vantage_point dc1 {
        kind self-hosted
    }
}
`;

/** What every runtime must run, written out (not computed by the plan under test). */
const expectedCheckers = () => {
  const timing = { connectTimeoutMs: 2000, warmupMs: DELAY_LOOP_MS, delayLoopMs: DELAY_LOOP_MS, alpha: false };
  return [
    { id: `${RS}#0`, type: 'TCP_CHECK', ip: '127.0.0.1', port: httpPort, timing: { ...timing, retry: 1, delayBeforeRetryMs: 1000 } },
    { id: `${RS}#1`, type: 'HTTP_GET', ip: '127.0.0.1', port: httpPort, timing: { ...timing, retry: 0, delayBeforeRetryMs: 1000 } },
  ];
};
const EXPECTED_VOTE = { up: false, reason: 'status_mismatch' };

const summary = (plan: readonly PlannedRealServer[]) => plan.flatMap((rs) => rs.checkers.map((c: PlannedChecker) => ({ id: c.id, type: c.check.type, ip: c.ip, port: c.port, timing: c.timing })));
const client = (token: string) => new BoardClient(`${dev.url}/v1/clusters/${CLUSTER}`, token);
const voteOf = async (vp: string) => (await client(tokens.shim).voteDetail()).realServers.find((r) => r.key === RS)?.votes[vp];

/** The vantage point's checkers as the Board assigns them, expanded by the one plan (what its runtime is handed). */
async function assignedPlan(vp: string): Promise<PlannedRealServer[]> {
  const a = await client(secrets.tokens.admin).assignment(vp);
  return planCheckers(a.config, new Set(a.targets));
}

/** From the vantage point's first `down`, its successive votes (distinct by time) until `n` were seen. */
async function votesFromFirstDown(vp: string, n: number, timeoutMs: number): Promise<{ up: boolean; reason: string }[]> {
  await eventually(`${vp}'s vote on ${RS} to say down`, async () => (await voteOf(vp))?.up === false, { timeoutMs });
  const seen = new Map<number, { up: boolean; reason: string }>();
  return eventually(
    `${n} successive votes from ${vp} on ${RS}`,
    async () => {
      const v = await voteOf(vp);
      if (v) seen.set(v.atMs, { up: v.up, reason: v.reason });
      if (seen.size < n) throw new Error(`${seen.size} so far: ${JSON.stringify([...seen.values()])}`);
      return [...seen.values()];
    },
    { timeoutMs, intervalMs: 100 },
  );
}

beforeAll(async () => {
  http = createServer((req, res) => {
    requests.push({ atMs: Date.now(), line: `${req.method} ${req.url} HTTP/${req.httpVersion}`, host: req.headers.host, userAgent: req.headers['user-agent'] });
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Type': 'text/plain', Connection: 'close' }).end('\n');
  });
  http.on('connection', (socket) => socket.once('close', () => void (socket.bytesRead === 0 && bareConnections.push(Date.now()))));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpPort = (http.address() as { port: number }).port;
  RS = `tcp/10.9.0.1:80|127.0.0.1:${httpPort}`;
  configText = configFor(httpPort);
  dir = mkdtempSync(join(tmpdir(), 'vigil-same-checks-'));
  writeFileSync(join(dir, 'keepalived.conf'), configText);
  // Local mode: the edge Prober may check this machine's loopback.
  dev = await startWranglerDev({ secrets, vars: { EDGE_PRIVATE_TARGETS: 'probe' } });
  const put = await client(secrets.tokens.admin).putConfig(configText);
  expect(put.warnings).toEqual([]);
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  http?.closeAllConnections();
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('one config, the same checks and the same vote on the edge, in vigil probe and with --local', () => {
  it('(a) the edge Prober in workerd runs both checkers every delay_loop and votes down, status_mismatch', async () => {
    expect(summary(await assignedPlan('weur'))).toEqual(expectedCheckers());
    // Only the edge checks this server during this test (vigil probe and --local run in the others and are stopped at their end).
    const from = Date.now();
    const mine = () => requests.filter((r) => r.atMs >= from);
    const two = await eventually('two HTTP_GET runs by the edge Prober', () => mine().length >= 2 && mine().slice(0, 2), { timeoutMs: 15_000 });
    expect(two[0]).toEqual({ atMs: two[0]!.atMs, line: 'GET /missing HTTP/1.0', host: `127.0.0.1:${httpPort}`, userAgent: 'KeepAliveClient' });
    // Down, the next run starts max(delay_loop, delay_before_retry) after the end of the last (the round may start it 2.5% early).
    const gapMs = two[1]!.atMs - two[0]!.atMs;
    expect(gapMs).toBeGreaterThanOrEqual(DELAY_LOOP_MS - 100);
    expect(gapMs).toBeLessThan(DELAY_LOOP_MS + 1500);
    // The TCP_CHECK ran too: a connection opened and closed without a request.
    await eventually("the edge's TCP_CHECK connecting", () => bareConnections.some((t) => t >= from), { timeoutMs: 15_000 });
    await eventually("the edge's vote to say down", async () => (await voteOf('weur'))?.up === false, { timeoutMs: 15_000 });
    expect(await voteOf('weur')).toMatchObject({ ...EXPECTED_VOTE, fresh: true });
  }, 60_000);

  it('(b) a real vigil probe process runs the same checkers and every vote it sends says down, status_mismatch', async () => {
    const plan = await assignedPlan('dc1');
    expect(summary(plan)).toEqual(expectedCheckers());
    const probe = spawnDaemon(process.execPath, [BIN, 'probe', '--board', `${dev.url}/v1/clusters/${CLUSTER}`, '--vantage', 'dc1', '--refresh-ms', '1000'], {
      env: { ...process.env, VIGIL_TOKEN: tokens.probers.dc1 },
    });
    await probe.waitForLine('the probe taking its assignment', /config v1, 1 real server\(s\), 2 checker\(s\)/, 30_000);
    const [tcp0, http1] = expectedCheckers();
    // keepalived's log lines for each checker's first run: this process ran exactly the planned checkers.
    await probe.waitForLine('the TCP_CHECK checker coming up', new RegExp(`checker ${escape(tcp0!.id)} TCP_CHECK 127\\.0\\.0\\.1:${httpPort} up\\n`), 15_000);
    await probe.waitForLine('the HTTP_GET checker going down on its status', new RegExp(`checker ${escape(http1!.id)} HTTP_GET 127\\.0\\.0\\.1:${httpPort} down: status_mismatch\\n`), 15_000);
    expect(probe.output().match(/ checker /g)).toHaveLength(2);
    // Several votes, so some follow a passing TCP run: the vote names the failing check's reason whichever checker ran last.
    const votes = await votesFromFirstDown('dc1', 4, 30_000);
    expect(votes, probe.output()).toEqual(votes.map(() => EXPECTED_VOTE));
    expect(probe.output()).not.toContain(tokens.probers.dc1!);
  }, 60_000);

  it('(c) --local: the shim runs the same checkers, takes the real server out, and its checks say down, status_mismatch', async () => {
    // The shim's own checks in-process (what `vigil shim --local` builds): the process logs the real server's state, not the reason.
    const local = new LocalVerdicts(configFrom(configText), new Map(), systemClock, () => {});
    try {
      expect(summary(local.plan())).toEqual(expectedCheckers());
      local.start();
      const standing = await eventually('every local checker to have run once', () => local.standing(RS), { timeoutMs: 15_000 });
      expect(standing).toEqual(EXPECTED_VOTE);
      expect(local.current().get(RS)?.alive).toBe(false);
    } finally {
      local.stop();
    }
    // And the real process: `vigil shim --local`, printing the ipvsadm commands instead of running them.
    const shim = spawnDaemon(process.execPath, [BIN, 'shim', '--config', join(dir, 'keepalived.conf'), '--local', '--ipvs-backend', 'dry-run']);
    await shim.waitForLine('the real server in the table at start (keepalived: up until a check fails)', new RegExp(`ipvsadm -a -t 10\\.9\\.0\\.1:80 -r 127\\.0\\.0\\.1:${httpPort} `), 30_000);
    await shim.waitForLine('the real server reported down', new RegExp(`"real server state","what":"127\\.0\\.0\\.1:${httpPort} DOWN"`), 15_000);
    await shim.waitForLine('the real server taken out of the table', new RegExp(`ipvsadm -d -t 10\\.9\\.0\\.1:80 -r 127\\.0\\.0\\.1:${httpPort}\\n`), 5_000);
  }, 60_000);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
