import { generateKeyPairSync } from 'node:crypto';
import type { Command } from 'commander';
import { systemClock } from '../../core/ports/clock.ts';
import { nodeCheckPorts } from '../checks/node-check-ports.ts';
import { BoardClient } from '../probe/board-client.ts';
import { SelfHostedProber } from '../probe/self-hosted-prober.ts';
import { loggableUrl } from '../probe/board-url.ts';

/**
 * The control plane's commands on the Node side: `vigil probe` (a self-hosted
 * vantage point), and `vigil keygen` to provision the Worker's signing key
 * (see README, "Keys and tokens"; `vigil token new` is token-command.ts).
 */
export function registerProbeCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('probe')
    .description('Run a self-hosted vantage point: fetch its assignment from the Board, run the checks, post votes')
    .requiredOption('--board <url>', 'the cluster URL, e.g. https://vigil.example.workers.dev/v1/clusters/prod')
    .requiredOption('--vantage <name>', 'the vantage point this prober is (its token must name it)')
    .option('--token <token>', 'prober token (prefer the VIGIL_TOKEN environment variable: arguments show in ps)')
    .option('--refresh-ms <ms>', 'how often to fetch the assignment again', '10000')
    .option('--for-ms <ms>', 'stop by itself after this long')
    .option('--allow-scripts', "run the config's MISC_CHECK scripts (off by default: without it they are not run and vote down with script_refused); they run as script_user or the script's own user, else keepalived_script or nobody, never root unless the config names root", false)
    .action(async (opts: { board: string; vantage: string; token?: string; refreshMs: string; forMs?: string; allowScripts: boolean }) => {
      const token = opts.token ?? process.env.VIGIL_TOKEN;
      if (!token) {
        process.stderr.write('vigil probe: no token (--token or VIGIL_TOKEN)\n');
        setExit(64);
        return;
      }
      const log = (s: string) => process.stdout.write(`${new Date().toISOString()} ${s}\n`);
      const prober = new SelfHostedProber({ vantagePoint: opts.vantage, board: new BoardClient(opts.board, token), ports: nodeCheckPorts, clock: systemClock, refreshMs: Number(opts.refreshMs), allowScripts: opts.allowScripts === true, log });
      const stop = () => prober.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const limit = opts.forMs ? setTimeout(stop, Number(opts.forMs)) : undefined;
      log(`probe ${opts.vantage}: board ${loggableUrl(opts.board)}, scripts ${opts.allowScripts ? 'allowed (--allow-scripts)' : 'refused (no --allow-scripts)'}`);
      await prober.run();
      clearTimeout(limit);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      log(`probe ${opts.vantage}: stopped`);
    });

  program
    .command('keygen')
    .description('Make an Ed25519 signing key for the Board: prints the VIGIL_SIGNING_KEY secret (to stdout only) and its public JWK')
    .action(() => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      process.stderr.write(`public key (JWK): ${JSON.stringify(publicKey.export({ format: 'jwk' }))}\n`);
      process.stderr.write('store the line below with: npx wrangler secret put VIGIL_SIGNING_KEY --config workers/wrangler.jsonc\n');
      process.stdout.write(privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64') + '\n');
    });
}
