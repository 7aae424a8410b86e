import { spawn } from 'node:child_process';
import { parseIpvsadmSave, renderRestore, type IpvsOp } from '../../core/ipvs/ipvsadm-format.ts';
import type { ApplyResult, IpvsBackend, ReadResult } from './backend.ts';

export interface IpvsadmOptions {
  /** The ipvsadm binary; argv only, never a shell. */
  ipvsadm?: string;
  /** Deadline for one call; a batch of 10,000 lines takes well under a second. */
  timeoutMs?: number;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs argv with `input` on stdin and a deadline; resolves with what happened. */
function run(argv: string[], input: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<Ran> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = spawn(file!, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], signal });
    const out: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout: '', stderr: stderr + err.message, timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr, timedOut });
    });
    if (input !== undefined) {
      // EPIPE when ipvsadm dies early is reported through its exit code, not here.
      child.stdin!.on('error', () => {});
      child.stdin!.end(input);
    }
  });
}

/**
 * The real thing: `ipvsadm -Sn` to read, one `ipvsadm -R` (ipvsadm-restore's
 * own engine) batch to apply, so a whole reconcile is one process and one pass
 * over netlink rather than a process per change.
 */
export function ipvsadmBackend(o: IpvsadmOptions = {}): IpvsBackend {
  const bin = o.ipvsadm ?? 'ipvsadm';
  const timeoutMs = o.timeoutMs ?? 10_000;
  return {
    kind: 'ipvsadm',
    async read(signal): Promise<ReadResult> {
      const r = await run([bin, '-Sn'], undefined, timeoutMs, signal);
      if (r.timedOut) return { ok: false, code: 'ERR_IPVS_TIMEOUT', message: `ipvsadm -Sn took over ${timeoutMs} ms` };
      if (r.code !== 0) return { ok: false, code: 'ERR_IPVS_READ', message: r.stderr.trim() || `ipvsadm -Sn exited ${r.code}` };
      const p = parseIpvsadmSave(r.stdout);
      if (!p.ok) return { ok: false, code: 'ERR_IPVS_PARSE', message: `ipvsadm -Sn line ${p.line}: ${p.message}` };
      return { ok: true, table: p.table };
    },
    async apply(ops: readonly IpvsOp[], signal): Promise<ApplyResult> {
      if (ops.length === 0) return { ok: true, applied: 0 };
      const r = await run([bin, '-R'], renderRestore(ops), timeoutMs, signal);
      if (r.timedOut) return { ok: false, code: 'ERR_IPVS_TIMEOUT', message: `ipvsadm -R took over ${timeoutMs} ms` };
      // ipvsadm -R stops at the first failing line; what ran before it stays, and the next reconcile re-reads.
      if (r.code !== 0 || r.stderr.trim()) return { ok: false, code: 'ERR_IPVS_APPLY', message: r.stderr.trim() || `ipvsadm -R exited ${r.code}` };
      return { ok: true, applied: ops.length };
    },
  };
}
