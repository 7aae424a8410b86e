import type { Config } from './model.ts';

/** What a redacted value reads as: still a valid non-empty string, so the model still parses as a Config. */
export const REDACTED = '(redacted)';

/**
 * Keys whose value is a secret wherever it appears: VRRP `authentication.pass`,
 * the SSL context's `password`, and any later `secret` or `token` (a webhook's
 * signing secret). Matched by name so a new secret field named so is covered
 * without a change here.
 */
const SECRET_KEYS = new Set(['pass', 'password', 'secret', 'token']);
/** Carried-through keywords and blocks Vigil does not model: anything may be in them, so viewers get none. */
const OPAQUE_LISTS = new Set(['passthrough', 'otherBlocks']);

/** keepalived's script shape (core/config/primitives.ts Script): `{command, user?, group?}`. */
function isScript(v: Record<string, unknown>): boolean {
  return typeof v.command === 'string' && Object.keys(v).every((k) => k === 'command' || k === 'user' || k === 'group');
}

/** A vrrp_track_process (core/config/track-process.ts): its `process` and `params` are a command line. */
function isTrackProcess(v: Record<string, unknown>): boolean {
  return typeof v.process === 'string' && Array.isArray(v.params);
}

/**
 * The config as a `viewer` token may read it. Secret: every command line
 * (MISC_CHECK paths, notify and track scripts, quorum_up/down, tracked
 * processes' paths and parameters: arguments
 * often carry credentials, and the paths map the director's file system),
 * with its user and group; passwords and secrets; and the keywords Vigil
 * carries through unread. Everything else (addresses, checks, timing,
 * vantage points, quorum, cloud bindings) is what an operator's dashboard
 * shows. A viewer never gets the uploaded source text: its comments may hold
 * anything.
 */
export function redactForViewer(config: Config): Config {
  return walk(config) as Config;
}

function walk(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(walk);
  if (v === null || typeof v !== 'object') return v;
  const raw = v as Record<string, unknown>;
  if (isScript(raw)) return { command: REDACTED };
  // A tracked process keeps its shape (how many parameters) and its rules, not its command line.
  const o = isTrackProcess(raw) ? { ...raw, process: REDACTED, params: (raw.params as unknown[]).map(() => REDACTED) } : raw;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    if (SECRET_KEYS.has(k) && x !== undefined) out[k] = REDACTED;
    else if (OPAQUE_LISTS.has(k) && Array.isArray(x)) out[k] = [];
    else out[k] = walk(x);
  }
  return out;
}
