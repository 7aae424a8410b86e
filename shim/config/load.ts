import { readFileSync } from 'node:fs';
import { readKeepalivedConfig, type ReadResult } from '../../core/keepalived/index.ts';
import { parseVigilJson } from '../../core/config/json.ts';
import { defaultConfigId, nodeConfigHost } from './node-host.ts';

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

export { parseVigilJson };
