/**
 * keepalived's notifications: the per-state scripts, the generic `notify`
 * script with its four arguments ("INSTANCE"|"GROUP", name, state, priority),
 * and the FIFO line `INSTANCE "name" MASTER 100`. Scripts run as argv, never
 * through a shell, under the same rules as every other script
 * (prepareScript: the script's user, else script_user, else keepalived_script
 * or nobody; enable_script_security refuses a path others can write).
 */
import { closeSync, constants, existsSync, openSync, statSync, writeSync } from 'node:fs';
import type { ScriptPolicy } from '../../core/check/script-policy.ts';
import { prepareScript } from '../checks/script-security.ts';
import type { Script } from '../../core/config/primitives.ts';
import type { NotifyScripts } from './plan.ts';
import { runCommand, splitCommandLine } from './run-command.ts';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'MASTER_RX_LOWER_PRI';
const SCRIPT_TIMEOUT_MS = 60_000;

export function fifoLine(kind: 'INSTANCE' | 'GROUP', name: string, state: NotifyState, priority: number): string {
  return `${kind} "${name}" ${state} ${priority}\n`;
}

/** The argv keepalived runs for a transition: the state's own script as written, and `notify` with four arguments. */
export function notifyCommands(
  scripts: NotifyScripts,
  kind: 'INSTANCE' | 'GROUP',
  name: string,
  state: NotifyState,
  priority: number,
): Array<{ argv: string[]; script: Script }> {
  const own: Record<NotifyState, Script | undefined> = {
    MASTER: scripts.master,
    BACKUP: scripts.backup,
    FAULT: scripts.fault,
    STOP: scripts.stop,
    MASTER_RX_LOWER_PRI: scripts.masterRxLowerPri,
  };
  const out: Array<{ argv: string[]; script: Script }> = [];
  const s = own[state];
  if (s) out.push({ argv: splitCommandLine(s.command), script: s });
  if (scripts.any && state !== 'MASTER_RX_LOWER_PRI') {
    out.push({ argv: [...splitCommandLine(scripts.any.command), kind, name, state, String(priority)], script: scripts.any });
  }
  return out;
}

export class Notifier {
  private fifoFds: number[] = [];
  private pending = new Set<Promise<unknown>>();

  constructor(
    fifoPaths: string[],
    private readonly log: (msg: string, fields: Record<string, unknown>) => void,
    private readonly policy: ScriptPolicy = { scriptUser: undefined, enableScriptSecurity: false },
  ) {
    for (const p of fifoPaths) {
      try {
        // O_RDWR on a FIFO never blocks waiting for a reader, which O_WRONLY would.
        const isFifo = existsSync(p) && statSync(p).isFIFO();
        const flags = isFifo ? constants.O_RDWR | constants.O_NONBLOCK : constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;
        this.fifoFds.push(openSync(p, flags, 0o600));
      } catch (err) {
        this.log('notify fifo unavailable', { path: p, error: String(err) });
      }
    }
  }

  notify(scripts: NotifyScripts, kind: 'INSTANCE' | 'GROUP', name: string, state: NotifyState, priority: number): void {
    const line = fifoLine(kind, name, state, priority);
    for (const fd of this.fifoFds) {
      try {
        writeSync(fd, line);
      } catch (err) {
        this.log('notify fifo write failed', { error: String(err) });
      }
    }
    for (const { argv, script } of notifyCommands(scripts, kind, name, state, priority)) {
      const prepared = prepareScript(argv, script, this.policy);
      if (!prepared.ok) {
        this.log('notify script not run', { argv, error: prepared.message });
        continue;
      }
      const p = runCommand(prepared.argv, { timeoutMs: SCRIPT_TIMEOUT_MS, uid: prepared.uid, gid: prepared.gid }).then((r) => {
        if (r.code !== 0) this.log('notify script failed', { argv, code: r.code, timedOut: r.timedOut, stderr: r.stderr.trim() });
      });
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }
  }

  /** Waits (bounded) for scripts still running, e.g. notify_stop at shutdown. */
  async drain(timeoutMs: number): Promise<void> {
    await Promise.race([Promise.all([...this.pending]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  close(): void {
    for (const fd of this.fifoFds) closeSync(fd);
    this.fifoFds = [];
  }
}
