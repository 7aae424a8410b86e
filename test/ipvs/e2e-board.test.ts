import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/ports/clock.ts';
import { nodeCheckPorts } from '../../shim/checks/node-check-ports.ts';
import { DemoBackend } from '../../devstack/demo-backends.ts';
import { localSecrets, tokensOf } from '../../devstack/local-secrets.ts';
import { startWranglerDev, type WranglerDev } from '../../devstack/wrangler-dev.ts';
import { BoardClient } from '../../shim/probe/board-client.ts';
import { SelfHostedProber } from '../../shim/probe/self-hosted-prober.ts';
import { eventually } from '../helpers/eventually.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { TcpRelay } from '../helpers/tcp-relay.ts';
import { BoardProxy, forge, type SeenSnapshot } from './board-proxy.ts';
import { nodeInUml, REPO, umlUnavailable, type UmlRun } from './uml.ts';
import { createUmlNet, netUnavailable, overUnix, type UmlNet } from './uml-net.ts';

/**
 * The end-to-end claim with every part real: the Board in workerd
 * (wrangler dev on the host's loopback, as test/control-plane runs it), three
 * self-hosted vantage points voting on real HTTP servers, and the real
 * `vigil shim` CLI inside a UML kernel whose IPVS table it drives with
 * ipvsadm. UML reaches the Board over a tap in a namespace of this test's own
 * and a relay (uml-net.ts); a proxy the test controls sits on that path to
 * withhold snapshots and inject forged, replayed and expired ones. The
 * Board keeps one address across its restart (a relay this test binds in
 * front of whichever port wrangler gets).
 */
const skip = umlUnavailable() ?? netUnavailable() ?? (existsSync(join(REPO, 'node_modules/.bin/wrangler')) ? null : 'wrangler is not installed (npm ci)');

const CLUSTER = 'e2e-board';
// Short, so an outage longer than a snapshot's life fits in the run (the Board's floor is 3 s).
const TTL_MS = 6000;
const VANTAGE_POINTS = ['dc1', 'dc2', 'dc3'];
const FOREIGN = '-A -t 10.9.9.9:25 -s rr';
// The shim's default (auto: netlink when its addon loads, else ipvsadm), as operators run it; VIGIL_E2E_IPVS_BACKEND=ipvsadm for the other.
const BACKEND = process.env.VIGIL_E2E_IPVS_BACKEND ?? 'auto';

function config(a: number, b: number): string {
  const rs = (port: number, weight: number) => `    real_server 127.0.0.1 ${port} {
        weight ${weight}
        HTTP_GET {
            url {
                path /health
                status_code 200
            }
            connect_timeout 1
            retry 0
        }
    }
`;
  const vps = VANTAGE_POINTS.map((vp) => `    vantage_point ${vp} {\n        kind self-hosted\n    }\n`).join('');
  return `virtual_server 10.0.0.1 80 {
    delay_loop 1
    lvs_sched wrr
    lvs_method NAT
    protocol TCP
${rs(a, 2)}${rs(b, 1)}}
vigil {
${vps}    vote {
        quorum 2
        freshness_intervals 3
    }
}
`;
}

const rsState = (s: SeenSnapshot, port: number) => s.doc.virtualServers[0]?.realServers.find((r) => r.port === port)?.state;

interface Step {
  kernel?: string;
  [k: string]: unknown;
}

describe.skipIf(!!skip)(skipTitle('vigil shim end to end against the real Board in workerd (shim and ipvsadm inside UML)', skip), () => {
  const got = new Map<string, Step>();
  const notes: string[] = [];
  let dir = '';
  let ALL_UP = '';
  let B_DOWN = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-e2eb-'));
    const secrets = localSecrets({ clusters: [CLUSTER], vantagePoints: VANTAGE_POINTS });
    const tokens = tokensOf(secrets.tokens, CLUSTER);
    const a = new DemoBackend('a');
    const b = new DemoBackend('b');
    await a.start();
    await b.start();
    const conf = config(a.port, b.port);
    writeFileSync(join(dir, 'keepalived.conf'), conf);
    writeFileSync(join(dir, 'token'), tokens.shim + '\n', { mode: 0o600 });
    const line = (port: number, w: number) => `-a -t 10.0.0.1:80 -r 127.0.0.1:${port} -m -w ${w}`;
    ALL_UP = [FOREIGN, '-A -t 10.0.0.1:80 -s wrr', line(a.port, 2), line(b.port, 1)].sort().join('\n');
    B_DOWN = [FOREIGN, '-A -t 10.0.0.1:80 -s wrr', line(a.port, 2)].sort().join('\n');

    const sock = { board: join(dir, 'board.sock'), metrics: join(dir, 'metrics.sock'), agent: join(dir, 'agent.sock') };
    const stopUml = new AbortController();
    const probers: SelfHostedProber[] = [];
    const running: Promise<void>[] = [];
    let net: UmlNet | null = null;
    let uml: Promise<UmlRun> | null = null;
    let dev: WranglerDev | null = null;
    let proxy: BoardProxy | null = null;
    const board = new TcpRelay();
    const persistTo = join(dir, 'board-state');
    const startBoard = async () => {
      const started = await startWranglerDev({ secrets, vars: { SNAPSHOT_TTL_MS: String(TTL_MS) }, persistTo, log: (l) => notes.push(l) });
      board.point(started.url);
      return started;
    };

    const kernel = async () => (await overUnix(sock.agent, '/kernel')).body;
    const metrics = async () => (await overUnix(sock.metrics, '/metrics').catch((e: Error) => ({ body: `metrics: ${e.message}` }))).body;
    const pick = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).join('; ');
    const until = <T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number) => eventually(what, fn, { timeoutMs, intervalMs: 200 });
    const rejected = async (reason: string) => Number(/ (\d+)$/.exec(pick(await metrics(), new RegExp(`^vigil_shim_snapshots_rejected_total\\{reason="${reason}"\\}`)))?.[1] ?? 0);
    /** Offers `s` until the shim has counted one more rejection for `reason` (it may be between transports when offered). */
    async function refused(reason: string, s: () => SeenSnapshot): Promise<number> {
      const before = await rejected(reason);
      const offered = async () => {
        const n = await rejected(reason);
        if (n > before) return n;
        proxy!.inject(s());
        return null;
      };
      return eventually(`the shim to count one more ${reason} rejection`, offered, { timeoutMs: 30_000, intervalMs: 800 }).finally(() => proxy!.clearPending());
    }

    try {
      net = createUmlNet();
      await net.relay([`tcp:${net.hostAddr}:8787=unix:${sock.board}`, `unix:${sock.metrics}=tcp:${net.umlAddr}:9109`, `unix:${sock.agent}=tcp:${net.umlAddr}:9110`]);
      // UML boots while workerd starts: neither waits for the other (the shim inside waits for key.json).
      const arg = JSON.stringify({ dir, board: `http://${net.hostAddr}:8787`, cluster: CLUSTER, listen: net.umlAddr, backend: BACKEND });
      uml = nodeInUml('test/ipvs/inside/board-shim.ts', [arg], { timeoutMs: 150_000, net: { netns: net.netns, tap: net.tap, addr: net.umlCidr }, signal: stopUml.signal });
      const boardUrl = await board.listen();
      dev = await startBoard();
      proxy = new BoardProxy(boardUrl);
      await proxy.listen(sock.board);
      await new BoardClient(`${boardUrl}/v1/clusters/${CLUSTER}`, secrets.tokens.admin).putConfig(conf);
      // Pinned the way an operator would: read once from /v1/keys, handed to the shim as a file.
      writeFileSync(join(dir, 'key.json'), await (await fetch(`${boardUrl}/v1/keys`, { signal: AbortSignal.timeout(10_000) })).text());
      for (const vp of VANTAGE_POINTS) {
        const p = new SelfHostedProber({ vantagePoint: vp, board: new BoardClient(`${boardUrl}/v1/clusters/${CLUSTER}`, tokens.probers[vp]!), ports: nodeCheckPorts, clock: systemClock, refreshMs: 5000, flushMs: 200 });
        probers.push(p);
        running.push(p.run());
      }

      await until('all up in the kernel', async () => (await kernel()) === ALL_UP, 90_000);
      got.set('all up', { kernel: await kernel() });

      // Forged (one byte of the newest snapshot changed) and replayed (the one before it, not yet expired).
      const newest = await until('a snapshot from the Board', () => proxy!.nextFromBoard(TTL_MS), 20_000);
      const forgedCount = await refused('bad_signature', () => forge(newest));
      const older = () => proxy!.seen.filter((s) => s.seq < proxy!.lastForwardedSeq && s.expiresAtMs > Date.now() + 1500).pop();
      const replayed = await until('an older snapshot, not yet expired', async () => older() ?? (await proxy!.nextFromBoard(TTL_MS), null), 20_000);
      const replayCount = await refused('stale_sequence', () => older() ?? replayed);
      got.set('forged and replayed', { kernel: await kernel(), forgedCount, replayCount, replayedSeq: replayed.seq, appliedSeq: proxy.lastForwardedSeq });

      await b.stop();
      await until('backend b out of the kernel', async () => (await kernel()) === B_DOWN, 40_000);
      const detail = await new BoardClient(`${boardUrl}/v1/clusters/${CLUSTER}`, tokens.shim).voteDetail();
      const bVotes = detail.realServers.find((r) => r.key.endsWith(`:${b.port}`))?.votes ?? {};
      got.set('a backend stops', { kernel: await kernel(), downVotes: Object.values(bVotes).filter((v) => !v.up).length });

      // Withheld from the shim: the Board's snapshot that has b back. Then the Board goes away.
      proxy.withhold = true;
      await b.start();
      const heldBack = await until('the Board saying b is up again', async () => proxy!.seen.find((s) => s.seq > proxy!.lastForwardedSeq && rsState(s, b.port) === 'up'), 40_000);
      const seqBefore = Math.max(...proxy.seen.map((s) => s.seq));
      board.point(null);
      await dev.stop();
      const stoppedAt = Date.now();
      // The table is sampled all through the outage, which ends on the shim's own word that it holds
      // (its snapshot expired), once the Board has been gone longer than a snapshot lives and the
      // withheld one has expired too.
      const samples: string[] = [];
      const overAt = Math.max(stoppedAt + TTL_MS + 2000, heldBack.expiresAtMs + 1000);
      await eventually(
        'the shim to hold the table through an outage longer than a snapshot lives',
        async () => {
          samples.push(await kernel());
          return Date.now() > overAt && /^vigil_shim_mode\{mode="holding"\} 1$/m.test(await metrics());
        },
        { timeoutMs: overAt - Date.now() + 30_000, intervalMs: 500, detail: () => samples.join('\n---\n').slice(-2000) },
      );
      const expiredCount = await refused('expired', () => heldBack);
      samples.push(await kernel());
      got.set('board outage', { kernel: samples[samples.length - 1], samples: samples.length, sameThroughout: samples.every((s) => s === B_DOWN), expiredCount, metrics: pick(await metrics(), /^vigil_shim_mode/) });

      // Back on the same address with the same storage: the sequence continues, the shim follows.
      proxy.withhold = false;
      const restartedAt = proxy.seen.length;
      dev = await startBoard();
      await until('b back in the kernel', async () => (await kernel()) === ALL_UP, 60_000);
      const after = proxy.seen.slice(restartedAt);
      got.set('board back', { kernel: await kernel(), seqBefore, firstSeqAfter: Math.min(...after.map((s) => s.seq)), metrics: pick(await metrics(), /^vigil_shim_(mode|snapshots_rejected)/) });

      const stop = JSON.parse((await overUnix(sock.agent, '/stop', { method: 'POST', timeoutMs: 30_000 })).body) as { code: number | null; kernel: string };
      got.set('sigterm', stop);
      const run = await uml;
      got.set('uml', { code: run.code, timedOut: run.timedOut });
    } catch (err) {
      notes.push(`scenario: ${(err as Error).stack ?? String(err)}`);
    } finally {
      for (const p of probers) p.close();
      await Promise.allSettled(running);
      stopUml.abort();
      const run = await uml?.catch(() => null);
      if (run && run.code !== 0) notes.push(`uml exit ${run.code}${run.timedOut ? ' (timed out)' : ''}: ${run.stderr.slice(-2000)}`);
      await proxy?.close();
      await board.close();
      await dev?.stop();
      await a.stop();
      await b.stop();
      net?.destroy();
      const shimLog = existsSync(join(dir, 'shim.log')) ? readFileSync(join(dir, 'shim.log'), 'utf8') : '';
      got.set('backend', { kind: /"msg":"ipvs starting".*?"backend":"([^"]+)"/.exec(shimLog)?.[1] });
      notes.push(`shim: ${shimLog.slice(-5000)}`);
    }
  }, 240_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const why = () => notes.join('\n').slice(-8000);

  it('applies the real Board’s verdict: both real servers in the kernel, with their weights', () => {
    expect(got.get('all up')?.kernel, why()).toBe(ALL_UP);
    // A real backend wrote it (never dry-run): whichever `auto` picked inside this kernel.
    expect(['netlink', 'ipvsadm']).toContain(got.get('backend')?.kind);
  });

  it('a forged (one byte changed) and a replayed (older sequence) snapshot change nothing and are counted', () => {
    const s = got.get('forged and replayed');
    expect(s?.kernel, why()).toBe(ALL_UP);
    expect(s?.forgedCount).toBeGreaterThanOrEqual(1);
    expect(s?.replayCount).toBeGreaterThanOrEqual(1);
    expect(Number(s?.replayedSeq)).toBeLessThan(Number(s?.appliedSeq));
  });

  it('a backend stops: the vantage points vote it down, the verdict flips, the kernel’s table loses it', () => {
    const s = got.get('a backend stops');
    expect(s?.kernel, why()).toBe(B_DOWN);
    expect(Number(s?.downVotes)).toBeGreaterThanOrEqual(2);
  });

  it('the Board stopped past the snapshot lifetime: the table does not change at all, an expired snapshot changes nothing', () => {
    const s = got.get('board outage');
    expect(s?.kernel, why()).toBe(B_DOWN);
    expect(s?.sameThroughout).toBe(true);
    expect(Number(s?.samples)).toBeGreaterThan(5);
    expect(s?.expiredCount).toBeGreaterThanOrEqual(1);
    expect(String(s?.metrics)).toContain('vigil_shim_mode{mode="holding"} 1');
  });

  it('the Board restarts with its storage: the sequence continues and the shim follows again', () => {
    const s = got.get('board back');
    expect(s?.kernel, why()).toBe(ALL_UP);
    expect(Number(s?.firstSeqAfter)).toBeGreaterThan(Number(s?.seqBefore));
    expect(String(s?.metrics)).toContain('vigil_shim_mode{mode="board"} 1');
  });

  it('SIGTERM: the shim exits 0 and removes only its own service', () => {
    const s = got.get('sigterm');
    expect(s?.code, why()).toBe(0);
    expect(s?.kernel).toBe(FOREIGN);
  });
});
