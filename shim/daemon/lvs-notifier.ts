import { closeSync, constants, existsSync, openSync, statSync, writeSync } from 'node:fs';
import type { Config } from '../../core/config/model.ts';
import type { LvsNotification } from '../../core/ipvs/notify-format.ts';
import type { ScriptPolicy } from '../../core/check/script-policy.ts';
import { prepareScript } from '../checks/script-security.ts';
import { runCommand, splitCommandLine } from '../vrrp/run-command.ts';

const SCRIPT_TIMEOUT_MS = 30_000;

/**
 * Delivers the checker's notifications as keepalived does: the script as
 * written (argv, never a shell, with a deadline) and the line on notify_fifo
 * and lvs_notify_fifo. Scripts come from the director's own file, so they need
 * no opt-in, but run under the same rules as a prober's (prepareScript): the
 * script's user, else script_user, else keepalived_script or nobody, and
 * enable_script_security refuses a path others can write.
 */
export class LvsNotifier {
  private fds: number[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  scriptsRun = 0;
  scriptFailures = 0;
  private readonly policy: ScriptPolicy;

  constructor(
    config: Config,
    private readonly log: (msg: string, fields?: Record<string, unknown>) => void,
    private readonly scriptTimeoutMs = SCRIPT_TIMEOUT_MS,
  ) {
    this.policy = config.globalDefs;
    const paths = [config.globalDefs.notifyFifo?.path, config.globalDefs.lvsNotifyFifo?.path].filter((p): p is string => !!p);
    for (const p of new Set(paths)) {
      try {
        // O_RDWR on a FIFO never blocks waiting for a reader, which O_WRONLY would.
        const isFifo = existsSync(p) && statSync(p).isFIFO();
        this.fds.push(openSync(p, isFifo ? constants.O_RDWR | constants.O_NONBLOCK : constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600));
      } catch (err) {
        this.log('lvs notify fifo unavailable', { path: p, error: String(err) });
      }
    }
  }

  notify(n: LvsNotification): void {
    this.log(n.kind === 'rs' ? 'real server state' : 'virtual server quorum', { what: n.what, up: n.up });
    const bytes = Buffer.from(n.fifoLine, 'utf8');
    for (const fd of this.fds) {
      try {
        writeSync(fd, bytes);
      } catch (err) {
        // A full FIFO (no reader) drops the line, as keepalived's unchecked write does.
        this.log('lvs notify fifo write failed', { error: String(err) });
      }
    }
    if (!n.script) return;
    const argv = splitCommandLine(n.script.command);
    const prepared = prepareScript(argv, n.script, this.policy);
    if (!prepared.ok) {
      this.log('notify script not run', { argv, error: prepared.message });
      return;
    }
    this.scriptsRun++;
    const p = runCommand(prepared.argv, { timeoutMs: this.scriptTimeoutMs, uid: prepared.uid, gid: prepared.gid }).then((r) => {
      if (r.code !== 0) {
        this.scriptFailures++;
        this.log('notify script failed', { argv, code: r.code, timedOut: r.timedOut, stderr: r.stderr.slice(-500) });
      }
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits for running scripts (bounded by their own deadline), then closes the FIFOs. */
  async close(): Promise<void> {
    await Promise.all([...this.pending]);
    for (const fd of this.fds) closeSync(fd);
    this.fds = [];
  }
}
