import type { Command } from 'commander';
import * as z from 'zod';
import { iamPolicy } from '../cloud/iam-policy.ts';
import { loadConfigFile } from '../config/load.ts';

/** `vigil iam-policy --config FILE`: prints the least-privilege IAM policy (JSON) for the config's cloud bindings. */
const Args = z.object({ config: z.string().min(1), configId: z.string().optional(), account: z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits').optional() });

export function registerIamPolicyCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('iam-policy')
    .description('print the least-privilege IAM policy for the configured cloud bindings')
    .requiredOption('--config <file>', 'keepalived.conf or Vigil JSON')
    .option('-i, --config-id <id>', "keepalived's -i for @id conditionals")
    .option('--account <id>', 'scope resource ARNs to this AWS account (default: any)')
    .action((raw: unknown) => {
      const args = Args.safeParse(raw);
      if (!args.success) {
        process.stderr.write(`vigil iam-policy: ${args.error.issues[0]?.message}\n`);
        return setExit(64);
      }
      const read = loadConfigFile(args.data.config, args.data.configId);
      if (!read.ok) {
        for (const d of read.diagnostics) process.stderr.write(`${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}\n`);
        return setExit(1);
      }
      const bindings = read.config.vigil.cloudBindings;
      if (bindings.length === 0) {
        process.stderr.write(`vigil iam-policy: ${args.data.config} has no cloud_binding\n`);
        return setExit(1);
      }
      process.stdout.write(JSON.stringify(iamPolicy(bindings, { account: args.data.account }), null, 2) + '\n');
    });
}
