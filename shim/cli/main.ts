import { Command, CommanderError } from 'commander';
import { registerConfigCommands } from './config-commands.ts';
import { registerGenhashCommand } from './genhash-command.ts';
import { registerIamPolicyCommand } from './iam-policy-command.ts';
import { registerProbeCommands } from './probe-command.ts';
import { registerShimCommand } from './shim-command.ts';
import { registerStartCommand } from './start-command.ts';

/**
 * Builds the `vigil` command. Each area registers its own subcommands from its
 * own file, so the check engine, the control plane and the shim stay apart.
 * Returns the process exit code instead of exiting, so tests can call it.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('vigil')
    .description('Multi-vantage health checks and failover, keepalived-compatible')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  registerConfigCommands(program, setExit);
  registerGenhashCommand(program, setExit);
  registerShimCommand(program, setExit);
  registerStartCommand(program, setExit);
  registerProbeCommands(program, setExit);
  registerIamPolicyCommand(program, setExit);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 64;
    throw err;
  }
  return exitCode;
}
