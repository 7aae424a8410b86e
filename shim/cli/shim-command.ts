import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatDiagnostic } from '../../core/keepalived/index.ts';
import { defaultConfigId } from '../config/node-host.ts';
import { loadConfigFile } from '../config/load.ts';
import { VrrpDaemon } from '../vrrp/daemon.ts';
import { planVrrp } from '../vrrp/plan.ts';

const BOARD_POLL_MS = 500;

/** One JSON line per event on stdout: what an operator greps and what tests parse. */
function log(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), msg, ...fields }) + '\n');
}

/** up / down / anything else (unknown: hold still, as every consumer of a verdict does). */
function readVerdict(path: string): boolean | null {
  try {
    const word = readFileSync(path, 'utf8').trim().toLowerCase();
    return word === 'up' ? true : word === 'down' ? false : null;
  } catch {
    return null;
  }
}

interface ShimOptions {
  config: string;
  configId: string;
  dontReleaseVrrp?: boolean;
  statusFile?: string;
  boardWeight?: string;
  boardVerdictFile?: string;
}

/**
 * `vigil shim`: the director daemon. For now it runs the configuration's VRRP
 * instances alone, as `keepalived -P` would; the IPVS side joins later.
 */
export function registerShimCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('shim')
    .description('Run the director daemon: VRRP v2/v3 for the configuration’s vrrp_instances (keepalived -P)')
    .requiredOption('-f, --config <file>', 'keepalived.conf, or a .json file in the Vigil form')
    .option('-i, --config-id <id>', 'the id @id lines are matched against (keepalived -i); default: host name', defaultConfigId())
    .option('--dont-release-vrrp', 'at exit, send no priority 0 and leave the virtual addresses (keepalived -V)')
    .option('--status-file <file>', 'keep a JSON snapshot of states and counters here')
    .option('--board-weight <n>', 'track the Board’s verdict on this director with this weight (0: FAULT when down)')
    .option('--board-verdict-file <file>', 'until the Board feed exists: a file holding up, down or unknown')
    .action(async (opts: ShimOptions) => {
      const res = loadConfigFile(opts.config, opts.configId);
      for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
      if (!res.ok) {
        setExit(1);
        return;
      }
      const plan = planVrrp(res.config);
      for (const p of plan.problems) process.stderr.write(`${opts.config}: ${p}\n`);
      if (plan.problems.length || plan.instances.length === 0) {
        if (plan.instances.length === 0) process.stderr.write(`${opts.config}: no usable vrrp_instance\n`);
        setExit(1);
        return;
      }
      const boardWeight = opts.boardWeight === undefined ? undefined : Number(opts.boardWeight);
      if (boardWeight !== undefined && (!Number.isInteger(boardWeight) || boardWeight < -253 || boardWeight > 253)) {
        process.stderr.write('--board-weight must be an integer between -253 and 253\n');
        setExit(64);
        return;
      }
      const daemon = new VrrpDaemon(plan, {
        releaseOnStop: !opts.dontReleaseVrrp,
        log,
        statusFile: opts.statusFile,
        board: boardWeight === undefined ? undefined : { weight: boardWeight, reverse: false },
      });
      try {
        daemon.start();
      } catch (err) {
        log('start failed', { error: String(err) });
        await daemon.stop();
        setExit(1);
        return;
      }
      let boardTimer: NodeJS.Timeout | null = null;
      if (opts.boardVerdictFile) {
        const file = opts.boardVerdictFile;
        const poll = () => {
          daemon.setBoardVerdict(readVerdict(file));
          boardTimer = setTimeout(poll, BOARD_POLL_MS);
        };
        poll();
      }
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          log('stopping', { signal });
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          if (boardTimer) clearTimeout(boardTimer);
          void daemon.stop().then(resolve);
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
        // keepalived writes its stats on SIGUSR2; here the status file is refreshed.
        process.on('SIGUSR2', () => daemon.writeStatus());
      });
      log('stopped');
      setExit(0);
    });
}
