/**
 * `vigil realserver setup` from parsed options to an exit code: plan from
 * what the host has, record the values before the first change, act, and say
 * what was done. Each action is printed on stdout as the argument list that
 * does the same by hand (so --dry-run's output can be read, or run, as it
 * is); the closing sentence goes to stderr.
 */
import { join } from 'node:path';
import { actionArgs, parseInterface, parseVip, setupPlan, stateAfterSetup, undoPlan, type Action, type Vip } from './plan.ts';
import { apply, hasInterface, observe } from './host.ts';
import { loadState, removeState, saveState, STATE_FILE, type LoadedState, type RealserverState } from './state.ts';

/** Exit codes, as --help lists them (sysexits.h where one fits). */
export const EXIT = { ok: 0, failed: 1, usage: 64, noPermission: 77 } as const;

export interface RealserverOptions {
  vip: string[];
  interface: string[];
  undo: boolean;
  dryRun: boolean;
  stateDir: string;
}

export interface Out {
  out(line: string): void;
  err(line: string): void;
}

const MAX_VIPS = 256;
const MAX_INTERFACES = 64;

export async function runRealserverSetup(o: RealserverOptions, io: Out): Promise<number> {
  const fail = (code: number, msg: string) => (io.err(`realserver: ${msg}`), code);
  if (o.vip.length > MAX_VIPS) return fail(EXIT.usage, `at most ${MAX_VIPS} --vip`);
  if (o.interface.length > MAX_INTERFACES) return fail(EXIT.usage, `at most ${MAX_INTERFACES} --interface`);
  const vips: Vip[] = [];
  for (const raw of o.vip) {
    const p = parseVip(raw);
    if (!p.ok) return fail(EXIT.usage, p.message);
    if (!vips.some((v) => v.cidr === p.value.cidr)) vips.push(p.value);
  }
  const interfaces: string[] = [];
  for (const raw of o.interface) {
    const p = parseInterface(raw);
    if (!p.ok) return fail(EXIT.usage, p.message);
    if (!hasInterface(p.value)) return fail(EXIT.usage, `--interface ${raw}: no such interface in this network namespace (no /proc/sys/net/ipv4/conf/${raw})`);
    interfaces.push(p.value);
  }
  if (o.undo && interfaces.length > 0) return fail(EXIT.usage, '--interface has no meaning with --undo (it restores every sysctl setup recorded)');
  if (!o.undo && vips.length === 0) return fail(EXIT.usage, 'give at least one --vip');
  if (!o.dryRun && process.geteuid?.() !== 0) {
    return fail(EXIT.noPermission, 'needs root: it adds addresses to lo and writes /proc/sys/net/ipv4/conf/*/arp_* (--dry-run does not)');
  }

  // A setup dry run needs no record (what it prints depends on the host alone): it runs without root, whose state directory it may not read.
  const loaded: LoadedState = o.dryRun && !o.undo ? { ok: true, state: null, path: join(o.stateDir, STATE_FILE) } : loadState(o.stateDir);
  // A state file that cannot be read holds the values from before setup: overwriting it or guessing would lose them.
  if (!loaded.ok) return fail(EXIT.failed, `cannot use the state file: ${loaded.message} (move it away to start afresh)`);
  let actions: Action[];
  let next: RealserverState;
  let gone: string[];
  try {
    const seen = observe();
    actions = o.undo ? undoPlan(vips, loaded.state, seen) : setupPlan(vips, interfaces, seen);
    next = stateAfterSetup(loaded.state, vips, interfaces, seen);
    gone = [...new Set((loaded.state?.before ?? []).filter((b) => seen.sysctl(b) === null).map((b) => b.iface))];
  } catch (err) {
    return fail(EXIT.failed, `cannot read the host's settings: ${(err as Error).message}`);
  }

  if (o.undo) {
    if (!loaded.state && vips.length === 0) {
      io.err(`realserver: nothing to undo: no ${STATE_FILE} in ${o.stateDir} and no --vip given`);
      return EXIT.ok;
    }
    if (gone.length > 0) io.err(`realserver: interface ${gone.join(', ')} is gone: nothing to restore there`);
    if (!loaded.state) io.err(`realserver: no ${STATE_FILE} in ${o.stateDir}: the sysctls are left as they are`);
    if (o.dryRun) return dryRun(actions, io);
    const code = await act(actions, io, 'undo');
    if (code !== EXIT.ok) return code;
    removeState(o.stateDir);
    io.err(actions.length === 0 ? 'realserver: nothing to change: no VIP on lo, the sysctls are as recorded' : `realserver: undone (${actions.length} changes)`);
    return EXIT.ok;
  }

  if (o.dryRun) return dryRun(actions, io);
  if (JSON.stringify(next) !== JSON.stringify(loaded.state)) {
    try {
      saveState(o.stateDir, next);
    } catch (err) {
      return fail(EXIT.failed, `cannot record the values before setup in ${o.stateDir}: ${(err as Error).message}; nothing changed`);
    }
  }
  const code = await act(actions, io, 'setup');
  if (code !== EXIT.ok) return code;
  io.err(
    actions.length === 0
      ? 'realserver: nothing to change: every VIP is on lo and the ARP sysctls are set'
      : `realserver: set up (${actions.length} changes; the values before are in ${loaded.path}, for --undo)`,
  );
  return EXIT.ok;
}

function dryRun(actions: Action[], io: Out): number {
  for (const a of actions) io.out(actionArgs(a).join(' '));
  io.err(`realserver: dry run: ${actions.length === 0 ? 'nothing would change' : `${actions.length} changes listed, none made`}`);
  return EXIT.ok;
}

/** In order; stops at the first failure, naming it (what was done stays recorded, so --undo can revert it). */
async function act(actions: Action[], io: Out, what: 'setup' | 'undo'): Promise<number> {
  for (const a of actions) {
    const line = actionArgs(a).join(' ');
    let r;
    try {
      r = await apply(a);
    } catch (err) {
      r = { ok: false as const, detail: (err as Error).message };
    }
    if (!r.ok) {
      io.err(`realserver: ${what} failed at: ${line}: ${r.detail}${what === 'setup' ? ' (vigil realserver setup --undo reverts what was done)' : ''}`);
      return EXIT.failed;
    }
    io.out(line);
  }
  return EXIT.ok;
}
