/**
 * What `vigil realserver setup` found before it changed anything, kept in the
 * state directory so `--undo` can put the sysctls back as they were and knows
 * which VIPs it added. Written before the first change (a setup cut short can
 * still be undone), atomically, and parsed by a schema on the way back in: the
 * interface names in it become paths under /proc/sys, so a name that is not
 * an interface name is refused, never written to.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { writeFileAtomic } from '../daemon/atomic-file.ts';
import { ensureStateDir } from '../daemon/replay-state.ts';

export const SysctlParam = z.enum(['arp_ignore', 'arp_announce']);
export type SysctlParam = z.infer<typeof SysctlParam>;

/** Linux's own rule for interface names (dev_valid_name): 1 to 15 bytes, no '/', ':' or white space, not '.' or '..'. */
export const IFNAME = /^(?!\.\.?$)[^/:\s]{1,15}$/;
const Ifname = z.string().regex(IFNAME, 'not an interface name');

export const RealserverState = z.strictObject({
  v: z.literal(1),
  /** VIPs setup put on lo (canonical, with /32 or /128). */
  vips: z.array(z.string().min(1).max(64)).max(256),
  /** Each sysctl's value before the first setup. */
  before: z
    .array(z.strictObject({ iface: Ifname, param: SysctlParam, value: z.number().int().min(0).max(255) }))
    .max(2 * 65),
});
export type RealserverState = z.infer<typeof RealserverState>;

export const STATE_FILE = 'realserver.json';
const MAX_BYTES = 256 * 1024;

export type LoadedState = { ok: true; state: RealserverState | null; path: string } | { ok: false; path: string; message: string };

export function loadState(dir: string): LoadedState {
  const path = join(dir, STATE_FILE);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, state: null, path };
    return { ok: false, path, message: `${path}: ${(err as Error).message}` };
  }
  if (buf.length > MAX_BYTES) return { ok: false, path, message: `${path}: ${buf.length} bytes, more than ${MAX_BYTES}` };
  let doc: unknown;
  try {
    doc = JSON.parse(buf.toString('utf8'));
  } catch {
    return { ok: false, path, message: `${path}: not JSON` };
  }
  const p = RealserverState.safeParse(doc);
  if (!p.success) {
    const i = p.error.issues[0];
    return { ok: false, path, message: `${path}: ${i?.path.join('.') || '(top)'}: ${i?.message ?? 'schema'}` };
  }
  return { ok: true, state: p.data, path };
}

/** Throws when the directory or the file cannot be written. */
export function saveState(dir: string, state: RealserverState): void {
  ensureStateDir(dir);
  writeFileAtomic(join(dir, STATE_FILE), JSON.stringify(state, null, 1) + '\n');
}

export function removeState(dir: string): void {
  rmSync(join(dir, STATE_FILE), { force: true });
}
