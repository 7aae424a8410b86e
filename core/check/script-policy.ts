import type { Config } from '../config/model.ts';
import type { GlobalDefs } from '../config/global.ts';
import type { Script } from '../config/primitives.ts';
import { assignTargets, realServerKey } from '../vote/targets.ts';

/**
 * Who runs a script and whether its path may be trusted: the rules every
 * runtime that runs a config's command follows (`vigil probe`'s MISC_CHECK,
 * the shim's `--local` MISC_CHECK, its notify and track scripts). Runtime-free:
 * the host's side (user lookup, stat) is shim/checks/script-security.ts.
 */

/**
 * The users tried, in order, when neither the script nor global_defs names
 * one. keepalived tries `keepalived_script` and otherwise runs the script as
 * itself (root); Vigil falls back to `nobody` instead, so a script never runs
 * as root unless the config says so.
 */
export const DEFAULT_SCRIPT_USERS = ['keepalived_script', 'nobody'] as const;

/** The script's own user and group, else global_defs' script_user; `user` undefined means DEFAULT_SCRIPT_USERS. */
export interface ScriptRunAs {
  user: string | undefined;
  group: string | undefined;
  /** enable_script_security: a script whose path anyone but root can write is refused. */
  secure: boolean;
}

/** What a script run needs from global_defs (kept small so a prober's assignment can carry just this). */
export type ScriptPolicy = Pick<GlobalDefs, 'scriptUser' | 'enableScriptSecurity'>;

export function scriptRunAs(script: Pick<Script, 'user' | 'group'>, policy: ScriptPolicy): ScriptRunAs {
  // As keepalived: a script's own user replaces script_user whole (its group included).
  if (script.user !== undefined) return { user: script.user, group: script.group, secure: policy.enableScriptSecurity };
  return { user: policy.scriptUser?.user, group: policy.scriptUser?.group, secure: policy.enableScriptSecurity };
}

/** One element of a script's path as lstat saw it. */
export interface PathElement {
  path: string;
  kind: 'dir' | 'file' | 'symlink' | 'other';
  uid: number;
  gid: number;
  mode: number;
}

const S_IWOTH = 0o002;
const S_IWGRP = 0o020;
const S_ISVTX = 0o1000;

/**
 * keepalived's check_security for one path, from `/` down to the script:
 * every element but the last must be a directory, the last a file or a
 * symlink; an element is unsafe when root does not own it, or when it is a
 * file or a directory without the sticky bit and is writable by the world or
 * by a group other than root's. Returns why the path is refused, or null.
 */
export function unsafePathElement(elements: readonly PathElement[]): string | null {
  for (const [i, e] of elements.entries()) {
    const last = i === elements.length - 1;
    if ((!last && e.kind !== 'dir') || (last && e.kind !== 'file' && e.kind !== 'symlink')) return `${e.path} is ${last ? 'not a file' : 'not a directory'}`;
    if (e.uid !== 0) return `${e.path} is owned by uid ${e.uid}, not root`;
    const guarded = e.kind === 'file' || (e.kind === 'dir' && (e.mode & S_ISVTX) === 0);
    if (guarded && e.mode & S_IWOTH) return `${e.path} is writable by anyone`;
    if (guarded && e.gid !== 0 && e.mode & S_IWGRP) return `${e.path} is writable by group ${e.gid}`;
  }
  return null;
}

/** Each prefix of an absolute path, `/` first: `/usr/bin/x` → `/`, `/usr`, `/usr/bin`, `/usr/bin/x`. */
export function pathPrefixes(absolute: string): string[] {
  const parts = absolute.split('/').filter((p) => p !== '');
  return ['/', ...parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)];
}

/**
 * The warning a config upload carries when it asks self-hosted probers to run
 * commands: they run MISC_CHECK only when started with --allow-scripts. The
 * assignment is core's own (assignTargets), so an edge vantage point, which
 * never runs scripts, is never named.
 */
export function scriptWarnings(config: Config, file: string): string[] {
  const withScripts = new Set<string>();
  for (const vs of config.virtualServers) for (const rs of vs.realServers) if (rs.checks.some((c) => c.type === 'MISC_CHECK')) withScripts.add(realServerKey(vs, rs));
  if (withScripts.size === 0) return [];
  const selfHosted = new Set(config.vigil.vantagePoints.filter((v) => v.kind === 'self-hosted').map((v) => v.name));
  const probers = new Set<string>();
  let realServers = 0;
  for (const a of assignTargets(config)) {
    if (!withScripts.has(a.key)) continue;
    const mine = a.vantagePoints.filter((vp) => selfHosted.has(vp));
    if (mine.length === 0) continue;
    realServers++;
    for (const vp of mine) probers.add(vp);
  }
  if (realServers === 0) return [];
  return [`${file}:1:1: warning: MISC_CHECK on ${realServers} real server(s) is assigned to self-hosted vantage point(s) ${[...probers].sort().join(', ')}: a prober runs scripts only when started with --allow-scripts (otherwise its vote is down with script_refused), then as the script's user or script_user, else keepalived_script or nobody, never root unless the config names root`];
}
