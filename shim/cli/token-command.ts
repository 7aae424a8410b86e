import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { VigilError } from '../../core/errors.ts';
import { parseTokenRecords, StoredToken } from '../../core/auth/token-records.ts';
import { hashToken, newToken, Scope } from '../../core/auth/tokens.ts';

interface TokenOptions {
  scope: string;
  cluster: string;
  vantage?: string;
  director?: string;
  id: string;
}

/**
 * `vigil token new`: a token bound to what it may do (scope, cluster, and the
 * vantage point or director it acts as), printed once on stdout; its hashed
 * record on stderr, checked by the same schema the Worker reads VIGIL_TOKENS
 * with, so a record this prints is never refused at deploy.
 */
export function registerTokenCommand(program: Command, setExit: (code: number) => void): void {
  const token = program.command('token').description('API tokens for the Worker');
  token
    .command('check')
    .description('Check a VIGIL_TOKENS JSON file as the Worker will read it, before it is deployed: exit 1 naming the first bad record')
    .argument('<file>', 'the JSON array of token records ("-" for stdin)')
    .action((file: string) => {
      try {
        const records = parseTokenRecords(readFileSync(file === '-' ? 0 : file, 'utf8'));
        for (const r of records) process.stdout.write(`${r.id}: ${r.scope} on ${r.cluster === '*' ? 'every cluster' : `cluster ${r.cluster}`}${r.vantagePoint ? `, votes as ${r.vantagePoint}` : ''}${r.director ? `, heartbeats as ${r.director}` : ''}${r.scope === 'shim' && !r.director ? ', reads only (no heartbeat)' : ''}${r.scope === 'viewer' ? ', reads only (dashboard; the config without scripts or passwords)' : ''}\n`);
      } catch (err) {
        process.stderr.write(`vigil token check: ${err instanceof VigilError ? err.message : (err as Error).message}\n`);
        setExit(1);
      }
    });
  token
    .command('new')
    .description('Make a token: prints the token once (stdout) and the hashed record to add to VIGIL_TOKENS (stderr)')
    .requiredOption('--scope <scope>', 'admin | prober | shim | viewer')
    .requiredOption('--cluster <name>', 'the only cluster it acts on ("*": every cluster, admin tokens only)')
    .option('--vantage <name>', 'prober tokens (required): the only vantage point it fetches an assignment and votes as')
    .option('--director <id>', 'shim tokens: the only director it heartbeats as (a shim token without it reads verdicts only)')
    .option('--id <id>', 'a name for the record', '')
    .action((opts: TokenOptions) => {
      const refuse = (why: string) => {
        process.stderr.write(`vigil token new: ${why}\n`);
        setExit(64);
      };
      const scope = Scope.safeParse(opts.scope);
      if (!scope.success) return refuse('--scope is admin, prober, shim or viewer');
      const token = newToken(scope.data);
      const bound = opts.vantage ?? opts.director;
      const record = StoredToken.safeParse({
        id: opts.id || `${scope.data}-${opts.cluster === '*' ? 'all' : opts.cluster}${bound ? `-${bound}` : ''}-${Date.now().toString(36)}`,
        scope: scope.data,
        hash: hashToken(token),
        cluster: opts.cluster,
        ...(opts.vantage !== undefined ? { vantagePoint: opts.vantage } : {}),
        ...(opts.director !== undefined ? { director: opts.director } : {}),
      });
      if (!record.success) {
        const issue = record.error.issues[0];
        const flag = { cluster: '--cluster', vantagePoint: '--vantage', director: '--director', id: '--id' }[String(issue?.path[0])] ?? String(issue?.path[0]);
        return refuse(`${flag}: ${issue?.message ?? 'invalid'}`);
      }
      process.stderr.write(`add to the VIGIL_TOKENS JSON array (replace the record of the token it rotates): ${JSON.stringify(record.data)}\n`);
      process.stdout.write(token + '\n');
    });
}
