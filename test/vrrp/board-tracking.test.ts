/**
 * VRRP on the Board's verdict, end to end: a VRRP-only shim (--no-ipvs) and
 * Debian's keepalived share a virtual router in network namespaces; the shim
 * follows a real signing test Board (test/ipvs/test-board.ts) through a relay
 * into its namespace, and its config's `vigil { track_board }` lowers its
 * priority by 60 while the Board says the virtual server is down. keepalived
 * reads the same vigil block and skips it. The address moves on the Board's
 * word alone, comes back by preemption, and a Board that goes quiet holds the
 * last effect for hold_time, then lets go (neutral), saying so in the log.
 */
import { spawnSync } from 'node:child_process';
import { createServer as createNetServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnDaemon, type Daemon } from '../helpers/daemon.ts';
import { promtool, promtoolMissing } from '../helpers/promtool.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { TestBoard } from '../ipvs/test-board.ts';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import { keepalivedConf } from './conf.ts';
import { keepalivedUnavailable, Lab, labUnavailable, REPO, type Director, type Proc } from './lab.ts';
import { holderIs } from './watch.ts';

const skip = labUnavailable() ?? keepalivedUnavailable();
const DEADLINE_MS = 15_000;
const VS_KEY = 'tcp/192.0.2.10:80';
/** Where the shim reaches the Board: its namespace's own loopback, relayed out over a Unix socket. */
const BOARD_IN_NS = 'http://127.0.0.1:8080';
const HOLD_S = 2;
const METRICS_IN_NS = '127.0.0.1:9109';

const TRACKING = [
  'virtual_server 192.0.2.10 80 {',
  '  protocol TCP',
  '  real_server 10.0.0.5 8080 {',
  '  }',
  '}',
  'vigil {',
  '  track_board web {',
  '    virtual_server 192.0.2.10 80',
  `    hold_time ${HOLD_S}`,
  '    instance VI_1 weight -60',
  '  }',
  '}',
].join('\n');

const verdict = (quorumUp: boolean): Snapshot['virtualServers'] => [
  { key: VS_KEY, quorumUp, aliveWeight: quorumUp ? 1 : 0, realServers: [{ key: `${VS_KEY}|10.0.0.5:8080`, ip: '10.0.0.5', port: 8080, present: true, weight: 1, state: quorumUp ? 'up' : 'down', effective: quorumUp ? 'up' : 'down', sorry: false }] },
];

describe.skipIf(!!skip)(skipTitle("VRRP follows the Board's verdict, with keepalived as the peer", skip), () => {
  let lab: Lab;
  let shimHost: Director;
  let kaHost: Director;
  let vip: string;
  let board: TestBoard;
  let hostEnd: Server;
  let relay: Daemon;
  const running: Proc[] = [];

  beforeAll(async () => {
    lab = new Lab(2, 16).create();
    [shimHost, kaHost] = lab.directors as [Director, Director];
    vip = lab.vip();
    board = await new TestBoard({ cluster: 'c1', token: 'shim-token' }).init();
    await board.start();
    await board.publish(verdict(true));
    // Host end: a Unix socket in the lab's directory, piped to the Board's loopback port.
    const sock = join(lab.dir, 'board.sock');
    hostEnd = createNetServer((down) => {
      const up = connect(board.port, '127.0.0.1');
      const end = () => (down.destroy(), up.destroy());
      down.on('error', end).on('close', end);
      up.on('error', end).on('close', end);
      down.pipe(up).pipe(down);
    });
    await new Promise<void>((resolve) => hostEnd.listen(sock, resolve));
    relay = spawnDaemon('ip', ['netns', 'exec', shimHost.ns, process.execPath, '--import', 'tsx', join(REPO, 'test/ipvs/netns-relay.ts'), `tcp:127.0.0.1:8080=unix:${sock}`], { cwd: REPO, stdin: true });
    await relay.waitForLine('the Board relay in the shim namespace to listen', /^ready$/m, DEADLINE_MS);
    lab.write('token', 'shim-token\n');
    lab.write('key.json', JSON.stringify({ keys: [await board.jwk()] }));
  });
  afterEach(async () => {
    await lab.endScenario(running, `${vip}/24`);
  });
  afterAll(async () => {
    await relay?.stop('SIGKILL');
    await new Promise<void>((r) => (hostEnd ? hostEnd.close(() => r()) : r()));
    await board?.stop();
    await lab?.destroy();
  });

  let serial = 0;
  // Names of their own per scenario: keepalived refuses to start over a killed one's pid files.
  const startPair = (sides: string[] = ['--no-ipvs']) => {
    const n = serial++;
    const shimConf = lab.write(`shim${n}.conf`, keepalivedConf('shim', [{ version: 3, vip: `${vip}/24`, priority: 150 }]) + TRACKING + '\n');
    const kaConf = lab.write(`ka${n}.conf`, keepalivedConf('ka', [{ version: 3, vip: `${vip}/24`, priority: 120 }]) + TRACKING + '\n');
    const shim = lab.shim(shimHost, `shim${n}`, shimConf, ['--config-id', 'shim', ...sides, '--board', BOARD_IN_NS, '--cluster', 'c1', '--token-file', join(lab.dir, 'token'), '--board-key', join(lab.dir, 'key.json'), '--board-backoff-max', '1', '--state-dir', join(lab.dir, `state${n}`)]);
    const ka = lab.keepalived(kaHost, `ka${n}`, kaConf);
    running.push(shim, ka);
    return { shim, ka };
  };
  /** The shim's /metrics, read from inside its namespace (its listener is on the namespace's loopback). */
  const metricsIn = (d: Director): string => {
    const r = spawnSync('ip', ['netns', 'exec', d.ns, process.execPath, '-e', `fetch('http://${METRICS_IN_NS}/metrics', { signal: AbortSignal.timeout(5000) }).then((r) => r.text()).then((t) => process.stdout.write(t))`], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`/metrics in ${d.ns}: ${r.stderr || r.error?.message}`);
    return r.stdout;
  };
  const why = (...procs: Proc[]) => procs.map((p) => `--- ${p.name}\n${p.output().slice(-3000)}`).join('\n');

  it.each([
    { title: 'a VRRP-only shim (--no-ipvs)', sides: ['--no-ipvs', '--metrics-listen', METRICS_IN_NS], follows: /"msg":"board tracking".*"own subscriber/ },
    { title: 'a shim whose IPVS side follows the Board too (dry-run backend)', sides: ['--ipvs-backend', 'dry-run'], follows: /"msg":"board tracking".*"shared with the IPVS side"/ },
  ])("$title: the Board's verdict on a virtual server going down moves the address to keepalived; back up, preemption returns it", async ({ sides, follows }) => {
    const { shim, ka } = startPair(sides);
    await shim.daemon.waitForLine('the shim to follow the Board for tracking', follows, DEADLINE_MS);
    await shim.daemon.waitForLine('the first verdict to reach the track', /"msg":"board track","track":"web","verdict":"up"/, DEADLINE_MS);
    await holderIs(lab, vip, shimHost, DEADLINE_MS, () => why(shim, ka));

    await board.publish(verdict(false));
    await shim.daemon.waitForLine('the shim to take the down verdict', /"msg":"board track","track":"web","verdict":"down"/, DEADLINE_MS);
    await holderIs(lab, vip, kaHost, DEADLINE_MS, () => why(shim, ka));
    expect((await lab.freshStatus(shim)).instances[0], why(shim)).toMatchObject({ state: 'BACKUP', priority: 90 });
    if (sides.includes('--metrics-listen')) {
      const metrics = metricsIn(shimHost);
      expect(metrics).toContain('vigil_shim_board_track{track="web",state="down"} 1');
      expect(metrics).toMatch(/vigil_shim_snapshots_accepted_total [1-9]/);
      expect(metrics).toContain('vigil_shim_vrrp_instance_state{instance="VI_1",state="BACKUP"} 1');
      expect(metrics).toContain('vigil_shim_vrrp_instance_state{instance="VI_1",state="MASTER"} 0');
      if (!promtoolMissing) expect(promtool(['check', 'metrics'], metrics), metrics).toMatchObject({ code: 0 });
    }
    // A reload (the same file) keeps the track's effect: no neutral blip that would hand the address back.
    shim.daemon.signal('SIGHUP');
    await shim.daemon.waitForLine('the shim to reload its track_board', /"msg":"board tracking reloaded","tracks":\["web"\]/, DEADLINE_MS);
    await shim.daemon.waitForLine('the reload to end', /"msg":"reloaded"/, DEADLINE_MS);
    expect((await lab.freshStatus(shim)).instances[0], why(shim)).toMatchObject({ state: 'BACKUP', priority: 90 });
    expect(shim.daemon.output(), why(shim)).not.toMatch(/"msg":"board track neutral"/);

    await board.publish(verdict(true));
    await holderIs(lab, vip, shimHost, DEADLINE_MS, () => why(shim, ka));
    expect((await lab.freshStatus(shim)).instances[0], why(shim)).toMatchObject({ state: 'MASTER', priority: 150 });
  });

  it('a Board gone quiet: the down verdict is held for hold_time after its snapshot expires, then turns neutral and the shim takes the address back', async () => {
    await board.publish(verdict(true));
    const { shim, ka } = startPair();
    await holderIs(lab, vip, shimHost, DEADLINE_MS, () => why(shim, ka));
    // The last word before the Board goes quiet: down, for a few seconds only.
    await board.publish(verdict(false), 4_000);
    await holderIs(lab, vip, kaHost, DEADLINE_MS, () => why(shim, ka));

    await shim.daemon.waitForLine('the stale verdict to be held', /"msg":"board track unsure: holding the last effect","track":"web","verdict":"stale","effect":"down","holdMs":2000/, DEADLINE_MS);
    await shim.daemon.waitForLine('the held verdict to turn neutral', /"msg":"board track neutral","track":"web","verdict":"stale"/, DEADLINE_MS);
    await holderIs(lab, vip, shimHost, DEADLINE_MS, () => why(shim, ka));
    expect((await lab.freshStatus(shim)).instances[0], why(shim)).toMatchObject({ state: 'MASTER', priority: 150 });
    // The hold kept the shim down until neutral: in its log, the stale verdict, then neutral, then MASTER again, in that order.
    const events = shim.daemon
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; verdict?: string; to?: string })
      .map((e) => (e.msg === 'state' ? `state ${e.to}` : `${e.msg} ${e.verdict ?? ''}`.trim()))
      .filter((e) => e.startsWith('board track') || e.startsWith('state'));
    const afterDown = events.slice(events.lastIndexOf('board track down'));
    expect(afterDown, why(shim)).toEqual(['board track down', 'state BACKUP', 'board track unsure: holding the last effect stale', 'board track neutral stale', 'state MASTER']);
  });
});
