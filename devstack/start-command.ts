import { projectRoot } from './project-root.ts';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatDiagnostic, readKeepalivedConfig, singleFileHost } from '../core/keepalived/index.ts';
import { systemClock } from '../core/ports/clock.ts';
import { nodeCheckPorts } from '../shim/checks/node-check-ports.ts';
import { DemoBackend } from './demo-backends.ts';
import { localSecrets } from './local-secrets.ts';
import { describeChanges, VerdictWatcher } from './verdict-watcher.ts';
import { startWranglerDev, type WranglerDev } from './wrangler-dev.ts';
import { BoardClient } from '../shim/probe/board-client.ts';
import { SelfHostedProber } from '../shim/probe/self-hosted-prober.ts';

const DEFAULT_CONFIG = join(projectRoot(import.meta.dirname), 'infra/local/keepalived.conf');
const CLUSTER = 'local';
const VANTAGE_POINTS = ['dc1', 'dc2', 'dc3'];
const ts = () => new Date().toISOString().slice(11, 23);

/** `${_ENV NAME}` filled in here: the Board reads one uploaded file and has no environment of ours. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{_ENV\s+([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => env[name] ?? '');
}

/**
 * `vigil start`: the whole system on this machine, no account and no cloud.
 * The Worker with its Board and Prober Durable Objects runs in workerd
 * (wrangler dev, local mode); three self-hosted vantage points run in this
 * process; demo real servers listen on loopback (one flapping); and a
 * subscriber follows the verdict as a shim would, verifying every signature.
 */
export function registerStartCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('start')
    .description('Run Vigil locally: the edge control plane in workerd, three self-hosted vantage points, demo backends on loopback')
    .option('--flap-ms <ms>', 'how often the flapping backend stops or starts', '12000')
    .option('--for-ms <ms>', 'stop by itself this long after everything is up (default: run until Ctrl-C)')
    .action(async (opts: { flapMs: string; forMs?: string }) => {
      const out = (s: string) => process.stdout.write(`${ts()} ${s}\n`);
      const backends = [new DemoBackend('a'), new DemoBackend('b (flapping)'), new DemoBackend('c')];
      for (const b of backends) await b.start();
      const env = { ...process.env, VIGIL_DEMO_PORT_A: String(backends[0]!.port), VIGIL_DEMO_PORT_B: String(backends[1]!.port), VIGIL_DEMO_PORT_C: String(backends[2]!.port) };
      const text = expandEnv(readFileSync(DEFAULT_CONFIG, 'utf8'), env);
      // Checked here first, so a broken default fails before workerd starts.
      const res = readKeepalivedConfig('keepalived.conf', { host: singleFileHost('keepalived.conf', text), configId: CLUSTER });
      for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
      if (!res.ok) {
        for (const b of backends) await b.stop();
        setExit(1);
        return;
      }

      let stopping = false;
      let wake: () => void = () => {};
      const stopped = new Promise<void>((r) => (wake = r));
      const stop = () => {
        if (stopping) return;
        stopping = true;
        out('stopping');
        wake();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);

      const secrets = localSecrets(VANTAGE_POINTS);
      const dir = mkdtempSync(join(tmpdir(), 'vigil-local-'));
      const tokenFile = join(dir, 'tokens.json');
      writeFileSync(tokenFile, JSON.stringify(secrets.tokens, null, 2) + '\n', { mode: 0o600 });
      chmodSync(tokenFile, 0o600);
      let dev: WranglerDev | null = null;
      const probers: SelfHostedProber[] = [];
      const running: Promise<void>[] = [];
      let watcher: VerdictWatcher | null = null;
      let flap: ReturnType<typeof setInterval> | undefined;
      let limit: ReturnType<typeof setTimeout> | undefined;
      try {
        out('starting the Worker in workerd (wrangler dev, local mode)…');
        dev = await Promise.race([startWranglerDev({ secrets, vars: { EDGE_PRIVATE_TARGETS: 'probe' }, log: out }), stopped.then(() => null)]);
        if (!dev || stopping) throw new Error('stopped before the Worker was ready');
        const clusterUrl = `${dev.url}/v1/clusters/${CLUSTER}`;
        const put = await new BoardClient(clusterUrl, secrets.tokens.admin).putConfig(text);
        out(`vigil local: Worker ${dev.url} (OpenAPI ${dev.url}/v1/openapi.json, keys ${dev.url}/v1/keys)`);
        out(`  cluster ${CLUSTER}: config v${put.version} ${put.etag} from ${DEFAULT_CONFIG}`);
        out(`  verdict ${clusterUrl}/verdict?since=0&wait=20, stream ${clusterUrl.replace('http', 'ws')}/stream, events ${clusterUrl}/events`);
        out(`  tokens for curl (this run only): ${tokenFile}`);
        for (const b of backends) out(`  backend ${b.name}: http://127.0.0.1:${b.port}/health`);
        for (const vp of VANTAGE_POINTS) {
          const p = new SelfHostedProber({ vantagePoint: vp, board: new BoardClient(clusterUrl, secrets.tokens.probers[vp]!), ports: nodeCheckPorts, clock: systemClock, refreshMs: 5000, flushMs: 200, log: out });
          probers.push(p);
          running.push(p.run());
        }
        out(`  vantage points ${VANTAGE_POINTS.join(', ')} (self-hosted, in this process); quorum 2`);
        watcher = new VerdictWatcher({
          board: new BoardClient(clusterUrl, secrets.tokens.shim),
          onSnapshot: (s, prev, detail) => {
            for (const line of describeChanges(s, prev, detail)) out(line);
          },
          onReject: (why) => out(`snapshot rejected: ${why}`),
          log: out,
        });
        running.push(watcher.run());
        flap = setInterval(() => {
          const b = backends[1]!;
          out(`demo: ${b.running ? 'stopping' : 'starting'} backend ${b.name} on port ${b.port}`);
          void (b.running ? b.stop() : b.start());
        }, Number(opts.flapMs));
        if (opts.forMs) limit = setTimeout(stop, Number(opts.forMs));
        await stopped;
      } catch (err) {
        if (!stopping) {
          out(`failed: ${(err as Error).message}`);
          setExit(1);
        }
      } finally {
        clearInterval(flap);
        clearTimeout(limit);
        watcher?.close();
        for (const p of probers) p.close();
        await Promise.allSettled(running);
        await dev?.stop();
        for (const b of backends) await b.stop();
        rmSync(dir, { recursive: true, force: true });
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        out('stopped');
      }
    });
}
