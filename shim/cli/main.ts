import { Command, CommanderError } from 'commander';

type Register = (program: Command, setExit: (code: number) => void) => void;

/**
 * Each area registers its own subcommands from its own file, so the check
 * engine, the control plane and the shim stay apart. Only the file of the
 * command being run is imported: `vigil shim` on a director must not pay (in
 * start-up time and resident memory) for wrangler launchers, the AWS SDK or
 * the check engine's HTTP client. Help and unknown commands load them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  'check-config': async () => (await import('./config-commands.ts')).registerConfigCommands,
  import: async () => (await import('./config-commands.ts')).registerConfigCommands,
  export: async () => (await import('./config-commands.ts')).registerConfigCommands,
  schema: async () => (await import('./config-commands.ts')).registerConfigCommands,
  genhash: async () => (await import('./genhash-command.ts')).registerGenhashCommand,
  shim: async () => (await import('./shim-command.ts')).registerShimCommand,
  status: async () => (await import('./status-command.ts')).registerStatusCommand,
  start: async () => (await import('../../devstack/start-command.ts')).registerStartCommand,
  probe: async () => (await import('./probe-command.ts')).registerProbeCommands,
  keygen: async () => (await import('./probe-command.ts')).registerProbeCommands,
  token: async () => (await import('./token-command.ts')).registerTokenCommand,
  'iam-policy': async () => (await import('./iam-policy-command.ts')).registerIamPolicyCommand,
  realserver: async () => (await import('./realserver-command.ts')).registerRealserverCommand,
};

/** Builds the `vigil` command; returns the process exit code instead of exiting, so tests can call it. */
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
  const name = argv.find((a) => !a.startsWith('-'));
  const loaders = name && COMMANDS[name] ? [COMMANDS[name]] : Object.values(COMMANDS);
  // Several names share a file; each file registers once, in the order help lists them.
  const registers = new Set<Register>();
  for (const load of loaders) registers.add(await load());
  for (const register of registers) register(program, setExit);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 64;
    throw err;
  }
  return exitCode;
}
