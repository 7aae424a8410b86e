import { projectRoot } from './project-root.ts';
import { join } from 'node:path';
import type { Command } from 'commander';
import { runLocal } from './local-run.ts';
import { StopRequest } from './stop-request.ts';
import { killWranglerGroupsNow } from './wrangler-groups.ts';

/** Looked up when `vigil start` runs, not at load: help lists every command, and an installed vigil has no checkout. */
const defaultConfig = () => join(projectRoot(import.meta.dirname), 'devstack/keepalived.conf');
/** After `stopped`: if something in this process still holds the event loop this long, the process exits anyway. */
const EXIT_GRACE_MS = 2000;
const ts = () => new Date().toISOString().slice(11, 23);

/**
 * `vigil start`: the whole system on this machine, no account and no cloud.
 * The Worker with its Board and Prober Durable Objects runs in workerd
 * (wrangler dev, local mode); three self-hosted vantage points run in this
 * process; demo real servers listen on loopback (one flapping); and a
 * subscriber follows the verdict as a shim would, verifying every signature.
 *
 * SIGINT, SIGTERM or SIGHUP stops it at any moment, start-up included; a
 * second one kills wrangler's process group at once and exits non-zero.
 */
export function registerStartCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('start')
    .description('Run Vigil locally: the edge control plane in workerd, three self-hosted vantage points, demo backends on loopback')
    .option('--flap-ms <ms>', 'how often the flapping backend stops or starts', '12000')
    .option('--for-ms <ms>', 'stop by itself this long after everything is up (default: run until Ctrl-C)')
    .action(async (opts: { flapMs: string; forMs?: string }) => {
      let configFile: string;
      try {
        configFile = defaultConfig();
      } catch {
        process.stderr.write('vigil start: runs from a Vigil checkout (npm ci, then npm start): it needs wrangler and the Worker sources, which an installed vigil does not have\n');
        setExit(1);
        return;
      }
      // A closed terminal (SIGHUP) makes writes fail (EIO, EPIPE): the stop must still finish, so the output just ends.
      let silent = false;
      const quiet = () => (silent = true);
      process.stdout.on('error', quiet);
      const out = (s: string) => {
        if (!silent) process.stdout.write(`${ts()} ${s}\n`);
      };
      const cleanUpNow: (() => void)[] = [];
      const stop = new StopRequest({
        onStop: (why) => out(`stopping (${why})`),
        onEscalate: (sig, exitCode) => {
          const groups = killWranglerGroupsNow();
          for (const f of cleanUpNow) f();
          out(`${sig} again: killed ${groups.length ? `wrangler's process group ${groups.join(', ')}` : 'nothing left to kill'}; exiting`);
          process.exit(exitCode);
        },
      });
      let code: number;
      try {
        code = await runLocal({ configFile, flapMs: Number(opts.flapMs), forMs: opts.forMs === undefined ? undefined : Number(opts.forMs), stop, out, cleanUpNow });
      } finally {
        stop.dispose();
        process.stdout.off('error', quiet);
      }
      setExit(code);
      // Everything is down; nothing of ours should keep the process. If something does, it must not keep it forever.
      setTimeout(() => {
        process.stderr.write(`vigil start: still running ${EXIT_GRACE_MS} ms after stopping; exiting\n`);
        process.exit(code);
      }, EXIT_GRACE_MS).unref();
    });
}
