import { join } from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../../core/ports/clock.ts';
import { formatDiagnostic, readKeepalivedConfig } from '../../core/keepalived/index.ts';
import { nodeCheckPorts } from '../checks/node-check-ports.ts';
import { nodeConfigHost } from '../config/node-host.ts';
import { DemoBackend } from '../local/demo-backends.ts';
import { LocalChecker } from '../local/local-checker.ts';

const DEFAULT_CONFIG = join(import.meta.dirname, '../../infra/local/keepalived.conf');
const ts = () => new Date().toISOString().slice(11, 19);

/**
 * `vigil start`: the whole local system on an embedded default, no accounts and
 * no cloud. Today that is the check engine with keepalived's semantics over
 * demo backends on loopback (one flapping); it prints every verdict change.
 */
export function registerStartCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('start')
    .description('Run Vigil locally on the embedded default config with demo backends on loopback')
    .option('--flap-ms <ms>', 'how often the flapping backend stops or starts', '12000')
    .option('--for-ms <ms>', 'stop by itself after this long (default: run until Ctrl-C)')
    .action(async (opts: { flapMs: string; forMs?: string }) => {
      const backends = [new DemoBackend('a'), new DemoBackend('b (flapping)'), new DemoBackend('c')];
      for (const b of backends) await b.start();
      process.env.VIGIL_DEMO_PORT_A = String(backends[0]!.port);
      process.env.VIGIL_DEMO_PORT_B = String(backends[1]!.port);
      process.env.VIGIL_DEMO_PORT_C = String(backends[2]!.port);
      const res = readKeepalivedConfig(DEFAULT_CONFIG, { host: nodeConfigHost, configId: 'local' });
      for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
      if (!res.ok) {
        for (const b of backends) await b.stop();
        setExit(1);
        return;
      }
      const out = (s: string) => process.stdout.write(`${ts()} ${s}\n`);
      out(`vigil local: config ${DEFAULT_CONFIG}`);
      for (const b of backends) out(`  backend ${b.name}: http://127.0.0.1:${b.port}/health`);
      const checker = new LocalChecker(res.config, {
        ports: nodeCheckPorts,
        clock: systemClock,
        onRealServer: (c) => out(`real server ${c.key} ${c.alive ? 'UP' : 'DOWN'}  ${c.reasons.join('; ')}`),
        onVirtualServer: (d, prev) => {
          if (prev && prev.quorumUp !== d.quorumUp) out(`virtual server ${d.key} quorum ${d.quorumUp ? 'UP' : 'LOST'} (alive weight ${d.aliveWeight})`);
          const table = d.realServers.filter((r) => r.present).map((r) => `${r.ip}:${r.port} w=${r.weight}${r.sorry ? ' (sorry)' : ''}`);
          out(`  table ${d.key}: ${table.join(', ') || '(empty)'}`);
        },
      });
      for (const d of checker.table()) out(`  table ${d.key}: ${d.realServers.filter((r) => r.present).map((r) => `${r.ip}:${r.port} w=${r.weight}${r.sorry ? ' (sorry)' : ''}`).join(', ')}`);
      const flap = setInterval(() => {
        const b = backends[1]!;
        out(`demo: ${b.running ? 'stopping' : 'starting'} backend ${b.name} on port ${b.port}`);
        void (b.running ? b.stop() : b.start());
      }, Number(opts.flapMs));
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        out('stopping');
        clearInterval(flap);
        checker.close();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const limit = opts.forMs ? setTimeout(stop, Number(opts.forMs)) : undefined;
      await checker.run();
      if (limit) clearTimeout(limit);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      for (const b of backends) await b.stop();
      out('stopped');
    });
}
