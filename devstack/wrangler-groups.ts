import { rmSync } from 'node:fs';

/**
 * Every wrangler process group this process launched and has not yet seen
 * gone, with the temporary folder that holds its secrets. If this process
 * exits first (an escalated stop, an uncaught error, process.exit anywhere),
 * one synchronous `exit` hook SIGKILLs them all and removes their folders:
 * a wrangler and its workerd never outlive the process that started them.
 */
const groups = new Map<number, string>();
let hooked = false;

export function rememberGroup(pgid: number, dir: string): void {
  groups.set(pgid, dir);
  if (hooked) return;
  hooked = true;
  process.on('exit', () => void killWranglerGroupsNow());
}

/** The group is down: its folder goes and it leaves the registry. */
export function forgetGroup(pgid: number, dir: string): void {
  groups.delete(pgid);
  removeQuietly(dir);
}

/** SIGKILL to every group still registered, and their folders removed; synchronous. Returns the groups' ids. */
export function killWranglerGroupsNow(): number[] {
  const ids = [...groups.keys()];
  for (const [pgid, dir] of groups) {
    signalGroup(pgid, 'SIGKILL');
    removeQuietly(dir);
  }
  groups.clear();
  return ids;
}

export function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // already gone
  }
}

/** Waits until no process is left in the group (zombies included: their parent reaps them), at most `timeoutMs`. */
export async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function removeQuietly(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // A process that was just killed may still have had a file open: nothing more to do from here.
  }
}
