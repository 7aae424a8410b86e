import { accessSync, constants, lstatSync, readFileSync, realpathSync, type Stats } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DEFAULT_SCRIPT_USERS, pathPrefixes, scriptRunAs, unsafePathElement, type PathElement, type ScriptPolicy } from '../../core/check/script-policy.ts';
import type { Script } from '../../core/config/primitives.ts';

/**
 * The host's half of core/check/script-policy.ts, shared by everything in the
 * shim that runs a config's command (vigil probe's and --local's MISC_CHECK,
 * the IPVS notify scripts): which uid and gid, and whether the path may be
 * trusted. A refusal is a value with the reason, for the log and the vote.
 */
export type PreparedScript = { ok: true; argv: string[]; uid: number; gid: number; user: string } | { ok: false; message: string };

interface Account {
  name: string;
  uid: number;
  gid: number;
}

function readTable(file: '/etc/passwd' | '/etc/group'): string[][] {
  try {
    return readFileSync(file, 'utf8').split('\n').map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** A user by name or number from /etc/passwd, with its primary group; undefined when it does not exist. */
export function lookupUser(name: string): Account | undefined {
  const numeric = /^\d+$/.test(name);
  for (const f of readTable('/etc/passwd')) {
    if (f.length < 4 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue;
    if (numeric ? f[2] === name : f[0] === name) return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) };
  }
  // A bare number with no passwd entry is still a uid the kernel accepts (keepalived resolves names only; configs that give numbers mean them).
  return numeric ? { name, uid: Number(name), gid: Number(name) } : undefined;
}

/** A group by name or number from /etc/group. */
export function lookupGroup(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  for (const f of readTable('/etc/group')) if (f[0] === name && f[2] !== undefined && /^\d+$/.test(f[2])) return Number(f[2]);
  return undefined;
}

/**
 * Resolves a user or group name (or number): the uid or gid, undefined for no
 * name, and an error for one that does not exist.
 */
export function resolveId(file: '/etc/passwd' | '/etc/group', name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  const id = file === '/etc/passwd' ? lookupUser(name)?.uid : lookupGroup(name);
  if (id === undefined) throw new Error(`unknown ${file === '/etc/passwd' ? 'user' : 'group'} ${name}`);
  return id;
}

function kindOf(s: Stats): PathElement['kind'] {
  return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : s.isSymbolicLink() ? 'symlink' : 'other';
}

/** keepalived's path search for a bare program name: the first executable file on PATH. */
function onPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    if (!dir.startsWith('/')) continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      if (lstatSync(candidate).isDirectory()) continue;
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * enable_script_security: why `program` may not run, or null. Every element
 * of the path as written, and of the path its symlinks lead to, must be safe
 * (core's unsafePathElement); a program that cannot be found is refused too.
 */
export function insecureScriptPath(program: string): string | null {
  const written = program.includes('/') ? program : onPath(program);
  if (!written) return `${program} is not on PATH`;
  if (!written.startsWith('/')) return `${program} is not an absolute path`;
  let real: string;
  try {
    real = realpathSync(written);
  } catch (err) {
    return `${written} cannot be resolved: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  for (const path of new Set([written, real])) {
    const elements: PathElement[] = [];
    for (const p of pathPrefixes(path)) {
      try {
        const s = lstatSync(p);
        elements.push({ path: p, kind: kindOf(s), uid: s.uid, gid: s.gid, mode: s.mode });
      } catch (err) {
        return `${p} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      }
    }
    const why = unsafePathElement(elements);
    if (why) return why;
  }
  return null;
}

/**
 * Who runs `argv` and whether it may run at all: the script's own user, else
 * script_user, else the first of keepalived_script and nobody that exists
 * (never root unless the config names it); with enable_script_security, a
 * path anyone but root can write is refused.
 */
export function prepareScript(argv: readonly string[], script: Pick<Script, 'user' | 'group'>, policy: ScriptPolicy): PreparedScript {
  const program = argv[0];
  if (!program) return { ok: false, message: 'empty command' };
  const runAs = scriptRunAs(script, policy);
  let account: Account | undefined;
  if (runAs.user !== undefined) {
    account = lookupUser(runAs.user);
    if (!account) return { ok: false, message: `script user ${runAs.user} does not exist` };
  } else {
    for (const name of DEFAULT_SCRIPT_USERS) if ((account = lookupUser(name))) break;
    if (!account) return { ok: false, message: `no script_user given and none of ${DEFAULT_SCRIPT_USERS.join(', ')} exists` };
  }
  let gid = account.gid;
  // keepalived's ":group" form asks for supplementary groups too; Node's spawn always drops them, the safer side.
  const groupName = runAs.group?.replace(/^:/, '') || undefined;
  if (groupName !== undefined) {
    const g = lookupGroup(groupName);
    if (g === undefined) return { ok: false, message: `script group ${groupName} does not exist` };
    gid = g;
  }
  if (runAs.secure) {
    const why = insecureScriptPath(program);
    if (why) return { ok: false, message: `enable_script_security: ${why}` };
  }
  return { ok: true, argv: [...argv], uid: account.uid, gid, user: account.name };
}
