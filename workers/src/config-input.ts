import { sha256 } from '@noble/hashes/sha2.js';
import type { Config } from '../../core/config/model.ts';
import { parseVigilJson } from '../../core/config/json.ts';
import { formatDiagnostic, readKeepalivedConfig, singleFileHost } from '../../core/keepalived/index.ts';
import { edgeReachingPrivate, jsonQuorumDiagnostics } from '../../core/vote/quorum-plan.ts';
import { scriptWarnings } from '../../core/check/script-policy.ts';
import { decodeUtf8Strict } from '../../core/config/utf8.ts';
import { VigilError } from '../../core/errors.ts';

export type ConfigFormat = 'keepalived' | 'json';

export type ConfigParse =
  | { ok: true; config: Config; format: ConfigFormat; warnings: string[] }
  | { ok: false; errors: string[]; first: string };

/** JSON by Content-Type, anything else (text/plain, none) is keepalived.conf. */
export function formatOf(contentType: string | undefined | null): ConfigFormat {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType ?? '') ? 'json' : 'keepalived';
}

/**
 * Reads an uploaded config with the same parser the CLI uses. An upload is one
 * file, so `include` finds nothing beyond it (the diagnostics say so). Every
 * message carries `file:line:col`; any error means the running config stays.
 */
/** The name an uploaded config's diagnostics use for it. */
const uploadName = (cluster: string, format: ConfigFormat) => (format === 'json' ? `${cluster}.json` : 'keepalived.conf');

/** At most this many errors or warnings are listed in an answer; the rest are counted in one more line. */
export const MAX_LISTED_DIAGNOSTICS = 100;
function capped(lines: string[], what: string): string[] {
  if (lines.length <= MAX_LISTED_DIAGNOSTICS) return lines;
  return [...lines.slice(0, MAX_LISTED_DIAGNOSTICS), `… and ${lines.length - MAX_LISTED_DIAGNOSTICS} more ${what}`];
}

/** An uploaded body as text: strict UTF-8, or an ERR_CONFIG at the first invalid byte's file:line:col. */
export function decodeUpload(cluster: string, bytes: Uint8Array, contentType: string | null | undefined): string {
  const r = decodeUtf8Strict(bytes);
  if (r.ok) return r.text;
  const where = `${uploadName(cluster, formatOf(contentType))}:${r.line}:${r.col}`;
  throw new VigilError('ERR_CONFIG', `${where}: error: ${r.message}`, { path: where, errors: [`${where}: error: ${r.message}`] });
}

/**
 * `edgePrivate` is the Worker's EDGE_PRIVATE_TARGETS: the vote plan (is each
 * real server's quorum reachable?) is checked as this Board will assign.
 */
export function parseConfigUpload(cluster: string, text: string, format: ConfigFormat, configId: string, edgePrivate?: string): ConfigParse {
  const file = uploadName(cluster, format);
  const edgeReachesPrivate = edgePrivate === 'probe';
  const res = format === 'json' ? withQuorumPlan(parseVigilJson(file, text), file, text, edgeReachesPrivate) : readKeepalivedConfig(file, { host: singleFileHost(file, text), configId, edgeReachesPrivate });
  const lines = res.diagnostics.map(formatDiagnostic);
  if (!res.ok) {
    const errors = res.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    return { ok: false, errors: capped(errors.length ? errors : lines, 'errors'), first: errors[0] ?? lines[0] ?? `${file}:1:1: invalid config` };
  }
  const warnings = lines.filter((l) => !res.diagnostics.some((d) => d.severity === 'error' && formatDiagnostic(d) === l));
  if (res.config.vigil.vantagePoints.length === 0) warnings.push(`${file}:1:1: warning: no vigil { vantage_point … } declared: every verdict will stay unknown`);
  warnings.push(...scriptWarnings(res.config, file));
  return { ok: true, config: res.config, format, warnings: capped(warnings, 'warnings') };
}

export function etagOf(version: number, text: string): string {
  const h = Array.from(sha256(new TextEncoder().encode(text)).slice(0, 6), (b) => b.toString(16).padStart(2, '0')).join('');
  return `"${version}-${h}"`;
}

/**
 * Local mode (EDGE_PRIVATE_TARGETS=probe): workerd on the operator's own machine
 * reaches loopback and private addresses, which a real edge never can. The
 * vote logic (core/vote) excludes edge vantage points from private targets, so
 * in that mode the Board hands core a copy where edge vantage points count as
 * self-hosted for assignment. Production leaves it `skip`.
 */
export function assignmentView(config: Config, edgePrivate: string | undefined): Config {
  return edgePrivate === 'probe' ? edgeReachingPrivate(config) : config;
}

/** A JSON upload that reads is still refused when its vote plan falls short (jsonQuorumDiagnostics). */
function withQuorumPlan(res: ReturnType<typeof parseVigilJson>, file: string, text: string, edgeReachesPrivate: boolean): ReturnType<typeof parseVigilJson> {
  if (!res.ok) return res;
  const errors = jsonQuorumDiagnostics(res.config, file, text, { edgeReachesPrivate });
  return errors.length ? { ok: false, diagnostics: [...res.diagnostics, ...errors] } : res;
}
