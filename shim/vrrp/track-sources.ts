/**
 * Where tracked objects get their status: interface state from /sys (the
 * namespace's own sysfs under `ip netns exec`), vrrp_script runs with their
 * rise/fall, vrrp_track_file values, vrrp_track_process counts
 * (process-source.ts). Each source calls `onChange` only when
 * the status it reports changes.
 */
import { readFileSync } from 'node:fs';
import type { ScriptPolicy } from '../../core/check/script-policy.ts';
import { prepareScript } from '../checks/script-security.ts';
import type { TrackSpec } from './plan.ts';
import { ProcessSource } from './process-source.ts';
import { runCommand, splitCommandLine } from './run-command.ts';
import type { TrackStatus } from './tracking.ts';

export interface TrackSource {
  readonly status: TrackStatus;
  start(): void;
  stop(): void;
}

const IFF_UP = 0x1;
/** keepalived learns link changes from netlink at once; a short poll of sysfs is close enough and needs no socket. */
export const LINK_POLL_MS = 100;
const FILE_POLL_MS = 250;

const IFF_MULTICAST = 0x1000;

function interfaceFlags(ifname: string): number | null {
  try {
    return parseInt(readFileSync(`/sys/class/net/${ifname}/flags`, 'utf8').trim(), 16);
  } catch {
    return null;
  }
}

/** This host's answers for planning (PlanHost): an interface not there yet counts as multicast-capable, as most are. */
export const sysfsPlanHost = { multicast: (ifname: string) => ((interfaceFlags(ifname) ?? IFF_MULTICAST) & IFF_MULTICAST) !== 0 };

export function interfaceIsUp(ifname: string): boolean {
  const flags = interfaceFlags(ifname);
  if (flags === null) return false; // gone counts as down
  try {
    const oper = readFileSync(`/sys/class/net/${ifname}/operstate`, 'utf8').trim();
    return (flags & IFF_UP) !== 0 && (oper === 'up' || oper === 'unknown');
  } catch {
    return false; // gone counts as down
  }
}

abstract class Polled implements TrackSource {
  status: TrackStatus;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    initial: TrackStatus,
    protected readonly periodMs: number,
    private readonly onChange: () => void,
  ) {
    this.status = initial;
  }

  protected set(next: TrackStatus): void {
    const cur = this.status;
    const same = next.kind === 'value' ? cur.kind === 'value' && cur.value === next.value : next.kind === 'pass-fail' ? cur.kind === 'pass-fail' && cur.ok === next.ok : cur.kind === next.kind;
    this.status = next;
    if (!same) this.onChange();
  }

  protected abstract poll(): void | Promise<void>;

  start(): void {
    const loop = async () => {
      await this.poll();
      if (this.timer !== null) this.timer = setTimeout(loop, this.periodMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Up, and when `mac` is given (a use_vmac macvlan) holding that MAC: an interface of that name that is not ours counts as down. */
function interfaceOk(ifname: string, mac?: string): boolean {
  if (!interfaceIsUp(ifname)) return false;
  try {
    return !mac || readFileSync(`/sys/class/net/${ifname}/address`, 'utf8').trim() === mac;
  } catch {
    return false;
  }
}

export class InterfaceSource extends Polled {
  constructor(
    private readonly ifname: string,
    onChange: () => void,
    private readonly mac?: string,
  ) {
    super({ kind: 'pass-fail', ok: interfaceOk(ifname, mac) }, LINK_POLL_MS, onChange);
  }

  protected poll(): void {
    this.set({ kind: 'pass-fail', ok: interfaceOk(this.ifname, this.mac) });
  }
}

/** Reads a track file as keepalived does: a number (decimal, 0x hex, 0 octal); missing or empty is 0. */
export function readTrackFileValue(path: string): number {
  let text = '';
  try {
    text = readFileSync(path, 'utf8').slice(0, 127).trim();
  } catch {
    return 0;
  }
  const m = /^([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)/i.exec(text);
  if (!m) return 0;
  const body = m[2]!;
  const n = body.toLowerCase().startsWith('0x') ? parseInt(body, 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : parseInt(body, 10);
  return m[1] === '-' ? -n : n;
}

export class FileSource extends Polled {
  constructor(
    private readonly path: string,
    onChange: () => void,
  ) {
    super({ kind: 'value', value: readTrackFileValue(path) }, FILE_POLL_MS, onChange);
  }

  protected poll(): void {
    this.set({ kind: 'value', value: readTrackFileValue(this.path) });
  }
}

/**
 * A vrrp_script: exit 0 is success. The first result decides; after that
 * `rise` successes in a row bring it up and `fall` failures take it down.
 */
export class ScriptSource extends Polled {
  private streak = 0;
  private streakOk = true;

  private refusedWhy: string | null = null;

  constructor(
    private readonly spec: TrackSpec,
    private readonly policy: ScriptPolicy,
    onChange: () => void,
    private readonly log?: (msg: string, fields: Record<string, unknown>) => void,
  ) {
    super({ kind: 'pass-fail', ok: spec.initFail ? false : null }, spec.intervalMs ?? 1000, onChange);
  }

  protected async poll(): Promise<void> {
    // A script the rules refuse (no such user, a path others can write) fails, as keepalived's would not run; said once per reason.
    const prepared = prepareScript(splitCommandLine(this.spec.target), this.spec, this.policy);
    if (!prepared.ok) {
      if (this.refusedWhy !== prepared.message) this.log?.('track script not run', { script: this.spec.name, error: prepared.message });
      this.refusedWhy = prepared.message;
      this.record(false);
      return;
    }
    this.refusedWhy = null;
    const r = await runCommand(prepared.argv, { timeoutMs: this.spec.timeoutMs ?? this.periodMs, uid: prepared.uid, gid: prepared.gid });
    this.record(r.code === 0 && !r.timedOut);
  }

  private record(ok: boolean): void {
    this.streak = ok === this.streakOk ? this.streak + 1 : 1;
    this.streakOk = ok;
    const cur = (this.status as { ok: boolean | null }).ok;
    if (cur === null) this.set({ kind: 'pass-fail', ok });
    else if (ok && !cur && this.streak >= (this.spec.rise ?? 1)) this.set({ kind: 'pass-fail', ok: true });
    else if (!ok && cur && this.streak >= (this.spec.fall ?? 1)) this.set({ kind: 'pass-fail', ok: false });
  }
}

/** The source that polls or runs a tracked object; null for the Board's verdict, which the daemon is handed (VrrpDaemon.setBoardView). */
export function trackSource(spec: TrackSpec, policy: ScriptPolicy, onChange: () => void, log?: (msg: string, fields: Record<string, unknown>) => void): TrackSource | null {
  switch (spec.kind) {
    case 'board':
      return null;
    case 'interface':
      return new InterfaceSource(spec.target, onChange, spec.mac);
    case 'file':
      return new FileSource(spec.target, onChange);
    case 'script':
      return new ScriptSource(spec, policy, onChange, log);
    case 'process':
      return new ProcessSource(spec.process!, onChange, { log });
  }
}
