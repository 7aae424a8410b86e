import { readFileSync } from 'node:fs';
import { Config } from '../../core/config/model.ts';
import { readKeepalivedConfig, type Diagnostic, type ReadResult } from '../../core/keepalived/index.ts';
import { defaultConfigId, nodeConfigHost } from './node-host.ts';
import { jsonDiagnostics } from '../../core/config/json-errors.ts';

/**
 * Loads a configuration file as the CLI and the shim see it: Vigil JSON when
 * the name ends in .json (or `as` says so), keepalived.conf otherwise.
 */
export function loadConfigFile(file: string, configId = defaultConfigId(), as?: 'json' | 'keepalived'): ReadResult {
  const kind = as ?? (file.endsWith('.json') ? 'json' : 'keepalived');
  if (kind === 'keepalived') return readKeepalivedConfig(file, { host: nodeConfigHost, configId });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, diagnostics: [{ severity: 'error', file, line: 1, col: 1, message: `cannot read: ${(e as Error).message}` }] };
  }
  return parseVigilJson(file, text);
}

export function parseVigilJson(file: string, text: string): ReadResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const at = m ? Number(m[1]) : 0;
    const before = text.slice(0, at).split('\n');
    const d: Diagnostic = { severity: 'error', file, line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1, message: `invalid JSON: ${(e as Error).message}` };
    return { ok: false, diagnostics: [d] };
  }
  const parsed = Config.safeParse(doc);
  if (!parsed.success) return { ok: false, diagnostics: jsonDiagnostics(file, text, parsed.error.issues) };
  return { ok: true, config: parsed.data, diagnostics: [] };
}
