/**
 * The JSON form's side of the shim's refusal (shim/config/unsupported.ts): a
 * model read from JSON holds the same keepalived keywords as one read from
 * keepalived.conf, carried (passthrough, otherBlocks) or as fields, so it is
 * refused the same way, each use at its JSON path's line:col.
 */
import { SHIM_UNIMPLEMENTED, type KeywordUse } from '../keepalived/reader.ts';
import { jsonDiagnostics } from './json-errors.ts';
import type { Config } from './model.ts';

/** Model fields that stand for a keepalived keyword; each counts while its keyword is in SHIM_UNIMPLEMENTED. */
const FIELD_KEYWORDS: Record<string, string> = {
  trackBfd: 'track_bfd',
  useVmac: 'use_vmac',
  virtualRoutes: 'virtual_routes',
  virtualRules: 'virtual_rules',
  trackProcess: 'track_process',
  lvsSyncDaemonInterface: 'lvs_sync_daemon_interface',
};
const CARRIED = new Set(['passthrough', 'otherBlocks']);

export function jsonShimUnimplemented(file: string, text: string, config: Config): KeywordUse[] {
  const found: Array<{ path: string[]; keyword: string }> = [];
  const walk = (v: unknown, path: string[]): void => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, [...path, String(i)]));
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      const kw = FIELD_KEYWORDS[k];
      if (kw && SHIM_UNIMPLEMENTED.has(kw) && x !== undefined && !(Array.isArray(x) && x.length === 0)) found.push({ path: [...path, k], keyword: kw });
      // lvs_sync_daemon without an instance is keepalived's checker's, which the shim does not run (as the reader refuses it).
      if (k === 'lvsSyncDaemon' && x && typeof x === 'object' && (x as { instance?: unknown }).instance === undefined) found.push({ path: [...path, k], keyword: 'lvs_sync_daemon' });
      if (CARRIED.has(k) && Array.isArray(x)) {
        x.forEach((e: { keyword?: unknown }, i) => {
          if (typeof e?.keyword === 'string' && SHIM_UNIMPLEMENTED.has(e.keyword)) found.push({ path: [...path, k, String(i), 'keyword'], keyword: e.keyword });
        });
      } else if (x && typeof x === 'object') walk(x, [...path, k]);
    }
  };
  walk(config, []);
  if (!found.length) return [];
  const at = jsonDiagnostics(file, text, found.map((f) => ({ path: f.path, message: '' })));
  return found.map((f, i) => ({ keyword: f.keyword, pos: { file, line: at[i]!.line, col: at[i]!.col } }));
}
