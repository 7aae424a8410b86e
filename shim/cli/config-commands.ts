import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import * as z from 'zod';
import { Config } from '../../core/config/model.ts';
import { formatDiagnostic, readKeepalivedConfig, type Diagnostic, type ReadResult } from '../../core/keepalived/index.ts';
import { printKeepalivedConfig } from '../../core/keepalived/printer.ts';
import { defaultConfigId, nodeConfigHost } from '../config/node-host.ts';
import { loadConfigFile } from '../config/load.ts';
import { jsonQuorumDiagnostics } from '../../core/vote/quorum-plan.ts';
import { VOTE_PLAN_KEY, votePlan } from '../../core/vote/vote-plan.ts';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n');

function summary(c: Config): string {
  const rs = c.virtualServers.reduce((n, vs) => n + vs.realServers.length, 0);
  const checks = c.virtualServers.reduce((n, vs) => n + vs.realServers.reduce((m, r) => m + r.checks.length, 0), 0);
  return `${c.virtualServers.length} virtual servers, ${rs} real servers, ${checks} checks, ${c.vrrpInstances.length} VRRP instances, ${c.vrrpSyncGroups.length} sync groups`;
}

/** A JSON config is held to the same vote plan as keepalived.conf, whose reader checks it (jsonQuorumDiagnostics). */
function withJsonQuorumPlan(file: string, res: ReadResult): ReadResult {
  if (!res.ok || !file.endsWith('.json')) return res;
  const errors = jsonQuorumDiagnostics(res.config, file, readFileSync(file, 'utf8'));
  return errors.length ? { ok: false, diagnostics: [...res.diagnostics, ...errors] } : res;
}

/** check-config, import, export and schema: the commands that read and write configuration. */
export function registerConfigCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('check-config')
    .description('Read a keepalived.conf (or Vigil JSON) like `keepalived -t`: exit 0 clean, 2 warnings only, 1 on any error')
    .argument('<file>', 'keepalived.conf, or a .json file in the Vigil form')
    .option('-i, --config-id <id>', 'the id @id lines are matched against (keepalived -i); default: host name', defaultConfigId())
    .option('-q, --quiet', 'print only errors and warnings')
    .action((file: string, opts: { configId: string; quiet?: boolean }) => {
      const res = withJsonQuorumPlan(file, loadConfigFile(file, opts.configId));
      for (const d of res.diagnostics) err(formatDiagnostic(d));
      if (!res.ok) {
        err(`${file}: ${res.diagnostics.filter((d) => d.severity === 'error').length} error(s); configuration not usable`);
        setExit(1);
        return;
      }
      // Notes are Vigil's own advice: keepalived -t would be clean, so they never make the exit 2.
      const warnings = res.diagnostics.filter((d) => d.severity === 'warning').length;
      const notes = res.diagnostics.length - warnings;
      if (!opts.quiet) out(`${file}: ${summary(res.config)}; ${warnings} warning(s)${notes ? `, ${notes} note(s)` : ''}`);
      setExit(warnings ? 2 : 0);
    });

  program
    .command('import')
    .description('Print the Vigil JSON form of a keepalived.conf')
    .argument('<file>', 'keepalived.conf')
    .option('-i, --config-id <id>', 'the id @id lines are matched against (keepalived -i); default: host name', defaultConfigId())
    .action((file: string, opts: { configId: string }) => {
      const res = readKeepalivedConfig(file, { host: nodeConfigHost, configId: opts.configId });
      for (const d of res.diagnostics) err(formatDiagnostic(d));
      if (!res.ok) {
        setExit(1);
        return;
      }
      // The vote plan sits beside the model, under its own key, which the JSON reader drops.
      out(JSON.stringify({ ...res.config, [VOTE_PLAN_KEY]: votePlan(res.config) }, null, 2));
    });

  program
    .command('export')
    .description('Print keepalived.conf for a Vigil JSON file')
    .argument('<file>', 'Vigil JSON')
    .action((file: string) => {
      const res = loadConfigFile(file, '', 'json');
      for (const d of res.diagnostics) err(formatDiagnostic(d));
      if (!res.ok) {
        setExit(1);
        return;
      }
      out(printKeepalivedConfig(res.config));
    });

  program
    .command('schema')
    .description('Print the JSON Schema of the Vigil JSON form, for editors')
    .action(() => {
      out(JSON.stringify(z.toJSONSchema(Config, { io: 'input', unrepresentable: 'any' }), null, 2));
    });
}

export type { Diagnostic };
