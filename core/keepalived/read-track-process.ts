import type { z } from 'zod';
import type { TrackWeight } from '../config/vrrp.ts';
import { PROCESS_DELAY_MAX_MS, PROCESS_QUORUM_MAX, type VrrpTrackProcess } from '../config/track-process.ts';
import type { Config } from '../config/model.ts';
import type { Diagnostics, Pos } from './diagnostics.ts';
import { endOf, type HandlerTable, type Reader } from './reader.ts';
import type { Statement } from './tree.ts';

type TpIn = Omit<z.input<typeof VrrpTrackProcess>, 'process'> & { process?: string; name: string; quorum: number; quorumMax: number; weight: number };

/** `delay`, `terminate_delay`, `fork_delay`: keepalived's range is 1 µs to 3600 s. */
function delayMs(r: Reader, s: Statement, name: string): number | undefined {
  const ms = r.timer(r.arg(s, 'a time in seconds'), s.keyword.text, PROCESS_DELAY_MAX_MS / 1000);
  if (ms !== 0) return ms;
  r.diags.error(s.args[0]!.pos, `${s.keyword.text} (${s.args[0]!.text}) for vrrp_track_process ${name} must be between [0.000001..3600] inclusive`);
  return undefined;
}

const table: HandlerTable<TpIn> = {
  process: (r, s, t) => {
    r.noBlock(s);
    const [path, ...params] = s.args;
    if (!path) return void r.diags.error(endOf(s), "'process' needs a process name or path");
    if (t.process !== undefined) return void r.diags.warn(path.pos, `Process already set for track process ${t.name} - ignoring ${path.text}`);
    t.process = path.text;
    if (!params.length) return;
    t.params = params.map((p) => p.text);
    // Parameters compare the command line; exact unless param_match said otherwise.
    if (t.paramMatch === undefined || t.paramMatch === 'none') t.paramMatch = 'exact';
    t.fullCommand = true;
  },
  param_match: (r, s, t) => {
    r.noBlock(s);
    const w = s.args[0];
    const m = w ? r.oneOf(w, ['initial', 'partial'] as const, 'param_match') : 'exact';
    if (!m) return;
    t.paramMatch = m;
    t.fullCommand = true;
  },
  full_command: (r, s, t) => {
    r.noBlock(s);
    t.fullCommand = true;
  },
  weight: (r, s, t) => {
    r.noBlock(s);
    const [w, opt] = s.args;
    if (!w) return void r.diags.error(endOf(s), `No weight specified for track process ${t.name}`);
    if (t.weight !== 0) return void r.diags.warn(w.pos, `Weight already set for track process ${t.name} - ignoring ${w.text}`);
    const n = r.int(w, -254, 254, `Weight for vrrp_track_process ${t.name}`);
    if (opt && !r.oneOf(opt, ['reverse'] as const, `vrrp_track_process ${t.name} weight option`)) return;
    if (n === undefined) return;
    t.weight = n;
    if (opt) t.reverse = true;
  },
  quorum: (r, s, t) => {
    const q = r.int(r.arg(s, 'a number'), 1, 65535, `Quorum for vrrp_track_process ${t.name}`);
    if (q === undefined) return;
    if (q > t.quorumMax) return void r.diags.warn(s.args[0]!.pos, 'Quorum is greater than quorum_max - ignoring');
    t.quorum = q;
  },
  quorum_max: (r, s, t) => {
    const m = r.int(r.arg(s, 'a number'), 0, 65535, `quorum_max for vrrp_track_process ${t.name}`);
    if (m === undefined) return;
    // keepalived takes quorum_max 0 ("no such process") unless a quorum above 1 was set first.
    if ((m !== 0 || t.quorum > 1) && m < t.quorum) return void r.diags.warn(s.args[0]!.pos, 'quorum_max is less than quorum - ignoring');
    t.quorumMax = m;
    if (m === 0) t.quorum = 0;
    else if (t.quorum === 0) t.quorum = 1;
  },
  delay: (r, s, t) => {
    const ms = delayMs(r, s, t.name);
    if (ms !== undefined) t.terminateDelayMs = t.forkDelayMs = ms;
  },
  terminate_delay: (r, s, t) => void (t.terminateDelayMs = delayMs(r, s, t.name) ?? t.terminateDelayMs),
  fork_delay: (r, s, t) => void (t.forkDelayMs = delayMs(r, s, t.name) ?? t.forkDelayMs),
};

/** One `vrrp_track_process NAME { ... }`; keepalived drops one without a `process` line, saying so. */
export function readTrackProcess(r: Reader, s: Statement): z.input<typeof VrrpTrackProcess> | undefined {
  const name = s.args[0]?.text;
  if (!name) r.diags.error(endOf(s), "'vrrp_track_process' needs a name");
  const t: TpIn = { name: name ?? '', quorum: 1, quorumMax: PROCESS_QUORUM_MAX, weight: 0 };
  r.block(r.requireBlock(s), table, t, 'vrrp_track_process');
  if (t.process === undefined) {
    r.diags.warn(s.blockEnd ?? s.keyword.pos, `track process '${name ?? ''}' process name not specified; ignored`);
    return undefined;
  }
  return name ? { ...t, process: t.process } : undefined;
}

/** A track_process list of an instance or sync group, to be resolved once the file is read. */
interface Reference {
  owner: string;
  list: TrackWeight[];
  /** Where each line of the list stands, in order. */
  lines: Pos[];
  /** The statement's place in file order: a process defined after it is not found, as in keepalived. */
  seq: number;
  r: Reader;
}

/**
 * keepalived resolves a track_process line while it reads it: a
 * vrrp_track_process defined further down is not found, and neither is a
 * name defined nowhere; both lines are ignored, as is a second line for the
 * same process. Each is warned in keepalived's words at the line.
 */
export class TrackProcessNames {
  private readonly defined = new Map<string, { seq: number; pos: Pos }>();
  private readonly refs: Reference[] = [];

  /** keepalived keeps every definition and finds the first by name, silently: Vigil says so in a note. */
  define(name: string, seq: number, pos: Pos, r: Reader): void {
    const first = this.defined.get(name);
    if (!first) return void this.defined.set(name, { seq, pos });
    r.diags.note(pos, `vrrp_track_process ${name} is defined again (first at line ${first.pos.line}); keepalived and Vigil track the first one only`);
  }

  /** Notes the track_process block of `s` (a vrrp_instance or vrrp_sync_group) read into `list`. */
  refer(owner: string, s: Statement, list: TrackWeight[] | undefined, seq: number, r: Reader): void {
    if (!list?.length) return;
    const block = s.block?.findLast((c) => c.keyword.text === 'track_process')?.block ?? [];
    this.refs.push({ owner, list, lines: block.map((c) => c.keyword.pos), seq, r });
  }

  /** Drops, in place, the lines keepalived would ignore. */
  resolve(): void {
    for (const ref of this.refs) {
      const seen = new Set<string>();
      const kept = ref.list.filter((t, i) => {
        const at = ref.lines[i] ?? ref.lines[0]!;
        const def = this.defined.get(t.name);
        if (!def || def.seq > ref.seq) {
          const later = def ? ` (vrrp_track_process ${t.name} comes later, at line ${def.pos.line}: keepalived resolves track_process as it reads, so it is not tracked)` : '';
          ref.r.diags.warn(at, `(${ref.owner}) track process ${t.name} not found, ignoring...${later}`);
          return false;
        }
        if (seen.has(t.name)) {
          ref.r.diags.warn(at, `(${ref.owner}) duplicate track_process ${t.name} - ignoring`);
          return false;
        }
        seen.add(t.name);
        return true;
      });
      ref.list.splice(0, ref.list.length, ...kept);
    }
  }
}

/**
 * keepalived sets a sync group's weighted track_process to weight 0 (FAULT
 * while down) when a member is an address owner (priority 255), saying so;
 * the shim's plan does the same (shim/vrrp/plan.ts).
 */
export function syncGroupOwnerWeights(c: Config, at: (coll: string, i: number) => Pos, diags: Diagnostics): void {
  const owners = new Set(c.vrrpInstances.filter((v) => v.priority === 255).map((v) => v.name));
  const weightOf = new Map(c.vrrpTrackProcesses.toReversed().map((p) => [p.name, p.weight]));
  c.vrrpSyncGroups.forEach((g, i) => {
    if (!g.group.some((m) => owners.has(m))) return;
    for (const t of g.trackProcess) {
      if ((t.weight ?? weightOf.get(t.name) ?? 0) !== 0) diags.warn(at('vrrpSyncGroups', i), `(${g.name}) Cannot have weighted track process '${t.name}' with member having priority 255 - setting weight 0`);
    }
  });
}
