import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic, readKeepalivedConfig, singleFileHost } from '../core/keepalived/index.ts';
import { systemClock } from '../core/ports/clock.ts';
import { nodeCheckPorts } from '../shim/checks/node-check-ports.ts';
import { SelfHostedProber } from '../shim/probe/self-hosted-prober.ts';
import { DemoBackend } from './demo-backends.ts';
import { localSecrets, tokensOf } from './local-secrets.ts';
import type { StopRequest } from './stop-request.ts';
import { StoppableBoardClient } from './stoppable-board-client.ts';
import { describeChanges, VerdictWatcher } from './verdict-watcher.ts';
import { settlesWithin } from './deadlines.ts';
import { startWranglerDev, type WranglerDev } from './wrangler-dev.ts';
import { groupGone, killWranglerGroupsNow } from './wrangler-groups.ts';

const CLUSTER = 'local';
const VANTAGE_POINTS = ['dc1', 'dc2', 'dc3'];
/** The vantage points and the watcher abort their requests at once; this bounds a check or a request that does not. */
const PIECES_STOP_MS = 3000;
/** The whole stop; past it wrangler's group is SIGKILLed whatever else is still under way. */
const STOP_DEADLINE_MS = 15_000;
/** After a SIGKILL: the kernel's part, never more than moments. */
const KILL_WAIT_MS = 2000;

export interface LocalRunOptions {
  configFile: string;
  flapMs: number;
  /** Stop by itself this long after everything is up. */
  forMs: number | undefined;
  stop: StopRequest;
  out: (line: string) => void;
  /** Synchronous clean-ups for an escalated stop (the process exits right after); this run adds its own. */
  cleanUpNow: (() => void)[];
}

/** `${_ENV NAME}` filled in here: the Board reads one uploaded file and has no environment of ours. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{_ENV\s+([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => env[name] ?? '');
}

/**
 * One local run, start to `stopped`; returns the exit code (0 for a requested
 * stop). Every step of start-up watches the stop signal, so a stop at any
 * moment takes down what has been started so far and nothing more is started.
 */
export async function runLocal(o: LocalRunOptions): Promise<number> {
  const { out, stop } = o;
  const stopped = stop.signal;
  // Lines from the pieces being stopped (an aborted request, a vote not delivered) are noise once the stop is under way.
  const pieceLog = (line: string) => {
    if (!stopped.aborted) out(line);
  };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-local-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  o.cleanUpNow.push(removeDir);
  process.on('exit', removeDir);
  const backends = [new DemoBackend('a'), new DemoBackend('b (flapping)'), new DemoBackend('c')];
  let dev: WranglerDev | null = null;
  const probers: SelfHostedProber[] = [];
  const running: Promise<void>[] = [];
  let watcher: VerdictWatcher | null = null;
  let flap: ReturnType<typeof setInterval> | undefined;
  let limit: ReturnType<typeof setTimeout> | undefined;
  let code = 0;
  try {
    for (const b of backends) await b.start();
    const env = { ...process.env, VIGIL_DEMO_PORT_A: String(backends[0]!.port), VIGIL_DEMO_PORT_B: String(backends[1]!.port), VIGIL_DEMO_PORT_C: String(backends[2]!.port) };
    const text = expandEnv(readFileSync(o.configFile, 'utf8'), env);
    // Checked here first, so a broken default fails before workerd starts.
    const res = readKeepalivedConfig('keepalived.conf', { host: singleFileHost('keepalived.conf', text), configId: CLUSTER });
    for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
    if (!res.ok) return (code = 1);

    const secrets = localSecrets({ clusters: [CLUSTER], vantagePoints: VANTAGE_POINTS });
    const tokens = tokensOf(secrets.tokens, CLUSTER);
    const tokenFile = join(dir, 'tokens.json');
    writeFileSync(tokenFile, JSON.stringify({ admin: secrets.tokens.admin, cluster: CLUSTER, ...tokens }, null, 2) + '\n', { mode: 0o600 });
    chmodSync(tokenFile, 0o600);
    stopped.throwIfAborted();
    out('starting the Worker in workerd (wrangler dev, local mode)…');
    dev = await startWranglerDev({ secrets, vars: { EDGE_PRIVATE_TARGETS: 'probe' }, log: out, signal: stopped });
    const clusterUrl = `${dev.url}/v1/clusters/${CLUSTER}`;
    const board = (token: string) => new StoppableBoardClient(clusterUrl, token, stopped);
    const put = await board(secrets.tokens.admin).putConfig(text);
    out(`vigil local: Worker ${dev.url} (OpenAPI ${dev.url}/v1/openapi.json, keys ${dev.url}/v1/keys)`);
    out(`  cluster ${CLUSTER}: config v${put.version} ${put.etag} from ${o.configFile}`);
    out(`  verdict ${clusterUrl}/verdict?since=0&wait=20, stream ${clusterUrl.replace('http', 'ws')}/stream, events ${clusterUrl}/events`);
    out(`  tokens for curl (this run only): ${tokenFile}`);
    // A one-time code rides in the fragment (never sent to a server in a URL): the page exchanges it once, in a POST body, for a session.
    out(`  dashboard ${dev.url}/#cluster=${CLUSTER}&code=${tokens.dashboardCode}`);
    for (const b of backends) out(`  backend ${b.name}: http://127.0.0.1:${b.port}/health`);
    for (const vp of VANTAGE_POINTS) {
      const p = new SelfHostedProber({ vantagePoint: vp, board: board(tokens.probers[vp]!), ports: nodeCheckPorts, clock: systemClock, refreshMs: 5000, flushMs: 200, log: pieceLog });
      probers.push(p);
      running.push(p.run());
    }
    out(`  vantage points ${VANTAGE_POINTS.join(', ')} (self-hosted, in this process); quorum 2`);
    watcher = new VerdictWatcher({
      board: board(tokens.shim),
      onSnapshot: (s, prev, detail) => {
        for (const line of describeChanges(s, prev, detail)) out(line);
      },
      onReject: (why) => out(`snapshot rejected: ${why}`),
      log: pieceLog,
    });
    running.push(watcher.run());
    flap = setInterval(() => {
      const b = backends[1]!;
      out(`demo: ${b.running ? 'stopping' : 'starting'} backend ${b.name} on port ${b.port}`);
      (b.running ? b.stop() : b.start()).catch((err: Error) => pieceLog(`demo: backend ${b.name}: ${err.message}`));
    }, o.flapMs);
    if (o.forMs !== undefined) limit = setTimeout(() => stop.request(`--for-ms ${o.forMs} elapsed`), o.forMs);
    await aborted(stopped);
  } catch (err) {
    if (!stopped.aborted) {
      out(`failed: ${(err as Error).message}`);
      code = 1;
    }
  } finally {
    clearInterval(flap);
    clearTimeout(limit);
    const shutDown = async () => {
      watcher?.close();
      for (const p of probers) p.close();
      if (!(await settlesWithin(Promise.allSettled(running), PIECES_STOP_MS))) out(`stop: vantage points still busy after ${PIECES_STOP_MS} ms; going on without them`);
      await dev?.stop();
      await Promise.all(backends.map((b) => b.stop()));
    };
    if (!(await settlesWithin(shutDown(), STOP_DEADLINE_MS))) {
      const groups = killWranglerGroupsNow();
      out(`stop: not finished after ${STOP_DEADLINE_MS} ms; killed wrangler's process group ${groups.join(', ') || '(none left)'}`);
      for (const g of groups) if (!(await groupGone(g, KILL_WAIT_MS))) out(`stop: process group ${g} still present ${KILL_WAIT_MS} ms after SIGKILL`);
      code = 1;
    }
    removeDir();
    process.off('exit', removeDir);
    out('stopped');
  }
  return code;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
