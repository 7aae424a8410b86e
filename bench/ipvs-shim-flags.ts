import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node flags infra/systemd/vigil-shim.service starts the shim with, read
 * from its ExecStart line, so the IPVS bench starts the shim, and times the
 * reconcile, exactly as a director runs it.
 */
export function shimNodeFlags(repo: string): string[] {
  const unit = readFileSync(join(repo, 'infra/systemd/vigil-shim.service'), 'utf8').replace(/\\\n/g, ' ');
  const exec = /^ExecStart=\S*node\s+(.*?)\s*\S*\/bin\/vigil\.m?js\s/m.exec(unit);
  if (!exec) throw new Error('vigil-shim.service: no ExecStart running node … vigil.js');
  return exec[1]!.split(/\s+/).filter(Boolean);
}
