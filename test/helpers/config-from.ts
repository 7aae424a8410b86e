import type { Config } from '../../core/config/model.ts';
import { readKeepalivedConfig, singleFileHost } from '../../core/keepalived/index.ts';

/** Reads a keepalived.conf text for the unit tests of this folder (no file system). */
export function configFrom(text: string): Config {
  const res = readKeepalivedConfig('keepalived.conf', { host: singleFileHost('keepalived.conf', text), configId: 'test' });
  if (!res.ok) throw new Error(res.diagnostics.map((d) => `${d.line}: ${d.message}`).join('\n'));
  return res.config;
}
