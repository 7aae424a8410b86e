/**
 * keepalived's process matching (track_process.c), over a /proc scan.
 *
 * - Without full_command a process matches when its comm, the executable's
 *   name as the kernel keeps it (15 characters at most), equals `process`:
 *   a longer name never matches, as in keepalived.
 * - With full_command (implied by parameters or param_match) argv[0] of
 *   /proc/PID/cmdline must equal `process`, and the remaining arguments are
 *   compared with the configured ones: `exact` the same list, `partial` the
 *   configured words as the first arguments, `initial` the same but the last
 *   configured word need only begin its argument.
 * - Zombies do not count; threads are not processes (/proc lists thread-group
 *   leaders only); a pid that vanishes during the scan is skipped.
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import type { ParamMatch } from '../../core/config/track-process.ts';

export interface ProcessMatch {
  process: string;
  params: string[];
  paramMatch: ParamMatch;
  fullCommand: boolean;
}

/** A matching process: its pid and its parent's (for telling a fork from a new program). */
export type Found = Map<number, number>;

/** One process as a pass reads it: what the tracked processes of the pass need, no more. */
export interface ProcEntry {
  pid: number;
  /** From /proc/PID/stat, when read. */
  comm?: string;
  ppid: number;
  /** The start of /proc/PID/cmdline, up to the read cap, when read (a view valid while the entry is visited). */
  cmdline?: Buffer;
}

/** What a pass reads for each process: the most any tracked process of the pass needs. */
export interface ProcNeeds {
  /** /proc/PID/stat: comm, state (zombies), parent. */
  stat: boolean;
  /** Bytes of /proc/PID/cmdline; 0 reads none. */
  cmdlineCap: number;
}

export interface ScanOptions {
  /** /proc, or a copy of its layout in tests. */
  procDir?: string;
  /** Read /proc/PID/stat (comm, state, parent) even when matching the command line: for fork_delay. */
  wantParents?: boolean;
}

/** /proc/PID/stat up to the parent pid: "PID (comm) S PPID", comm being 15 bytes at most. */
const STAT_READ = 128;

/** keepalived's params buffer: each word followed by a NUL. */
function paramBytes(params: string[]): Buffer {
  return Buffer.concat(params.map((p) => Buffer.from(p + '\0')));
}

/** keepalived's check_params: `rest` is the command line after argv[0]'s NUL, as read (it may be cut at the read cap). */
function paramsMatch(mode: ParamMatch, want: Buffer, configured: boolean, rest: Buffer): boolean {
  if (mode === 'exact' && !configured && rest.length === 0) return true;
  if (rest.length < want.length) return false;
  if (mode === 'exact') return rest.length === want.length && rest.equals(want);
  if (!configured) return true;
  if (mode === 'partial') return rest.subarray(0, want.length).equals(want);
  return want.length === 1 || rest.subarray(0, want.length - 1).equals(want.subarray(0, want.length - 1));
}

/** Decides whether one process's comm or command line matches: built once per tracked process, used for every pid. */
export class ProcessMatcher {
  private readonly name: Buffer;
  private readonly want: Buffer;
  /** Bytes of cmdline worth reading: argv[0], its NUL, the parameters, and one more to see a longer command line (keepalived's cap). */
  readonly cmdlineCap: number;

  constructor(readonly m: ProcessMatch) {
    this.name = Buffer.from(m.process);
    this.want = paramBytes(m.params);
    this.cmdlineCap = this.name.length + 1 + this.want.length + 1;
  }

  matchComm(comm: string): boolean {
    return comm === this.m.process;
  }

  matchCmdline(cmdline: Buffer): boolean {
    const end = cmdline.indexOf(0);
    const argv0 = end < 0 ? cmdline : cmdline.subarray(0, end);
    if (!argv0.equals(this.name)) return false;
    if (this.m.paramMatch === 'none') return true;
    const rest = end < 0 ? Buffer.alloc(0) : cmdline.subarray(end + 1);
    return paramsMatch(this.m.paramMatch, this.want, this.m.params.length > 0, rest);
  }
}

/** Reads at most buf.length bytes of a /proc file; null when the process has gone (or the file cannot be read). */
function readSmall(path: string, buf: Buffer): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** "PID (comm) S PPID ...": comm may hold ')' or spaces, so it ends at the last ')'. */
function parseStat(stat: Buffer): { comm: string; state: string; ppid: number } | null {
  const text = stat.toString('latin1');
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const [state, ppid] = text.slice(close + 2).split(' ', 2);
  return { comm: Buffer.from(text.slice(open + 1, close), 'latin1').toString(), state: state ?? '', ppid: Number(ppid) };
}

/** What `matcher` needs read of each process. */
export function needsOf(matcher: ProcessMatcher, wantParents: boolean): ProcNeeds {
  return { stat: !matcher.m.fullCommand || wantParents, cmdlineCap: matcher.m.fullCommand ? matcher.cmdlineCap : 0 };
}

/**
 * One pass over /proc: one directory read, then per process one bounded read
 * of stat and one of cmdline, each only when some tracked process needs it,
 * so the cost grows with the number of processes and never with what a
 * process puts in its command line. Zombies (and processes being reaped) are
 * left out; a process that vanishes meanwhile is skipped. `visit` sees each
 * process in turn; its cmdline is a view of one buffer, valid during the call.
 */
export function walkProcs(needs: ProcNeeds, visit: (e: ProcEntry) => void, procDir = '/proc'): void {
  const statBuf = Buffer.alloc(STAT_READ);
  const cmdBuf = Buffer.alloc(needs.cmdlineCap);
  for (const ent of readdirSync(procDir)) {
    const c = ent.charCodeAt(0);
    if (c < 0x31 || c > 0x39 || !/^\d+$/.test(ent)) continue;
    const e: ProcEntry = { pid: Number(ent), ppid: 0 };
    if (needs.stat) {
      const raw = readSmall(`${procDir}/${ent}/stat`, statBuf);
      const st = raw && parseStat(raw);
      if (!st || st.state === 'Z' || st.state === 'X') continue;
      e.comm = st.comm;
      e.ppid = st.ppid;
    }
    if (needs.cmdlineCap > 0) {
      const cmd = readSmall(`${procDir}/${ent}/cmdline`, cmdBuf);
      if (!cmd) continue;
      e.cmdline = cmd;
    }
    visit(e);
  }
}

/** Whether one process of a pass matches; a kernel thread or a zombie has an empty command line and matches no full_command. */
export function matches(matcher: ProcessMatcher, e: ProcEntry): boolean {
  return matcher.m.fullCommand ? e.cmdline !== undefined && e.cmdline.length > 0 && matcher.matchCmdline(e.cmdline) : e.comm !== undefined && matcher.matchComm(e.comm);
}

/** One pass for one tracked process (the first count of a source, tests, benchmarks); the shim shares its passes (ProcessScanner). */
export function scanProcesses(matcher: ProcessMatcher, opts: ScanOptions = {}): Found {
  const found: Found = new Map();
  walkProcs(needsOf(matcher, opts.wantParents === true), (e) => void (matches(matcher, e) && found.set(e.pid, e.ppid)), opts.procDir);
  return found;
}
