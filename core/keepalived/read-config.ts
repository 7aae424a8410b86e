import type { Config } from '../config/model.ts';
import { Diagnostics, type Diagnostic, type Origins, type Pos } from './diagnostics.ts';
import type { ExpansionBudget } from './expansion-budget.ts';
import { Preprocessor, type ConfigHost } from './preprocess.ts';
import { readAddress, readRoute, readRule } from './read-addresses.ts';
import { readGlobalDefs, ROOT_GLOBAL_WORDS } from './read-global.ts';
import { readSsl, readVirtualServer, readVirtualServerGroup } from './read-lvs.ts';
import { readVigil } from './read-vigil.ts';
import { readSyncGroup, readTrackFile, readVrrpInstance, readVrrpScript } from './read-vrrp.ts';
import { readTrackProcess, TrackProcessNames } from './read-track-process.ts';
import { Reader, SHIM_UNIMPLEMENTED, statementLines, type KeywordUse } from './reader.ts';
import { TreeBuilder, type Statement } from './tree.ts';
import { crossCheck, realServerOrigins } from './cross-check.ts';
import { StreamedValidation } from './validate-config.ts';

export interface ReadOptions {
  host: ConfigHost;
  /** keepalived's -i: `@id` lines for other ids are skipped. keepalived defaults it to the host name. */
  configId: string;
  /** What includes, parameters and generators may produce (see expansion-budget.ts); the default suits real configs. */
  budget?: ExpansionBudget;
  /** The local stack's edge reaches private addresses: the vote plan is checked as it will assign (PlanOptions). */
  edgeReachesPrivate?: boolean;
}

export type ReadResult =
  | { ok: true; config: Config; diagnostics: Diagnostic[]; shimUnimplemented?: KeywordUse[] }
  | { ok: false; diagnostics: Diagnostic[] };

/** Top-level blocks keepalived knows that Vigil carries through unchanged. */
const OTHER_BLOCKS = new Set(['track_group', 'garp_group', 'linkbeat_interfaces', 'bfd_instance', 'interface_up_down_delays']);

type Raw = Record<string, unknown> & {
  globalDefs: Record<string, unknown>;
  vigil: { vantagePoints: unknown[]; cloudBindings: unknown[]; trackBoards: unknown[]; alertWebhooks: unknown[] };
};

/**
 * Reads a keepalived.conf (with its includes) into the Vigil model. Any error
 * means no model: the caller keeps whatever it was running.
 */
export function readKeepalivedConfig(path: string, opts: ReadOptions): ReadResult {
  const diags = new Diagnostics();
  // Each top-level block is interpreted as soon as it is complete, so its tokens never outlive it.
  const interp = new Interpreter();
  const builder = new TreeBuilder(diags, (s) => interp.statement(s));
  const pre = new Preprocessor({ configId: opts.configId, host: opts.host, budget: opts.budget }, diags, (l) => builder.line(l));
  pre.processFile(path);
  // A budget stop leaves a fragment: its unclosed blocks and missing parts would only bury the one error that matters.
  if (pre.exhausted) return { ok: false, diagnostics: diags.sorted() };
  builder.finish();
  const { raw, origins } = interp.finish();
  // The reader's diagnostics follow the tree's, in statement order, as when the whole tree was read first.
  diags.append(...interp.segments);
  const parsed = interp.validation.finish(raw);
  if (!parsed.success) {
    for (const issue of parsed.issues) {
      // vigil's lists keep their origins under `vigil.<list>` (trackBoards); the rest under the collection's name.
      const [coll, idx] = issue.path[0] === 'vigil' ? [`vigil.${String(issue.path[1])}`, issue.path[2]] : issue.path;
      const pos = (typeof coll === 'string' && typeof idx === 'number' ? origins[coll]?.[idx] : undefined) ?? { file: path, line: 1, col: 1 };
      diags.error(pos, `${issue.path.join('.')}: ${issue.message}`);
    }
  } else crossCheck(parsed.data, origins, diags, { edgeReachesPrivate: opts.edgeReachesPrivate });
  if (diags.hasErrors || !parsed.success) return { ok: false, diagnostics: diags.sorted() };
  return { ok: true, config: parsed.data, diagnostics: diags.sorted(), shimUnimplemented: interp.uses };
}

/** Where `name` stands in the instance's track_script block (else the instance's own line). */
function trackScriptPos(s: Statement, name: string): Pos {
  const block = s.block?.find((c) => c.keyword.text === 'track_script')?.block;
  return block?.find((c) => c.keyword.text === name)?.keyword.pos ?? s.keyword.pos;
}

/**
 * Reads top-level statements into the raw model one at a time. A
 * vrrp_sync_group names instances that may come later in the file, so it is
 * read at the end; its diagnostics keep their place (a segment of their own)
 * so the list comes out as if every statement were read in file order.
 */
class Interpreter {
  readonly raw: Raw = {
    globalDefs: {},
    staticIpaddress: [],
    staticRoutes: [],
    staticRules: [],
    virtualServerGroups: [],
    virtualServers: [],
    vrrpScripts: [],
    vrrpTrackFiles: [],
    vrrpTrackProcesses: [],
    vrrpSyncGroups: [],
    vrrpInstances: [],
    otherBlocks: [],
    vigil: { vantagePoints: [], cloudBindings: [], trackBoards: [], alertWebhooks: [] },
  };
  readonly origins: Origins = {};
  /** Virtual servers go to the schema as they are read, not into raw. */
  readonly validation = new StreamedValidation();
  /** Diagnostics in statement order: one shared segment between deferred sync groups, one per sync group. */
  readonly segments: Diagnostics[] = [new Diagnostics()];
  /** Where each keyword the shim does not implement stands (SHIM_UNIMPLEMENTED). */
  readonly uses: KeywordUse[] = [];
  private r = new Reader(this.segments[0]!, this.uses);
  private readonly instanceNames = new Set<string>();
  private readonly syncGroups: { s: Statement; r: Reader; seq: number }[] = [];
  /** Top-level statements read so far: file order, for names keepalived resolves as it reads. */
  private seq = 0;
  private readonly processes = new TrackProcessNames();
  private readonly scriptsSoFar = new Set<string>();
  private syncdInterface: string | undefined;
  /** Where global lvs_sync_daemon names its instance, checked once every instance is known. */
  private syncdInstance: { name: string; pos: Pos; r: Reader } | undefined;
  private readonly unresolved: { vi: { name: string; trackScript?: { name: string }[] }; name: string; pos: Pos; r: Reader }[] = [];

  private add(coll: string, item: unknown, s: Statement): void {
    if (item === undefined) return;
    (this.raw[coll] as unknown[]).push(item);
    (this.origins[coll] ??= []).push(s.keyword.pos);
  }

  /** Reads one top-level statement; an unknown block's lines become top-level statements (a loop: nesting may be deep). */
  statement(top: Statement): void {
    const stack = [top];
    while (stack.length) {
      const kids = this.one(stack.pop()!);
      if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
  }

  /** Returns the statements keepalived reads at top level next (the lines of an unknown keyword's block). */
  private one(s: Statement): Statement[] | undefined {
    const { r, raw, origins } = this;
    const add = (coll: string, item: unknown, at: Statement) => this.add(coll, item, at);
    const k = s.keyword.text;
    const seq = ++this.seq;
    switch (k) {
      case 'global_defs': {
        const hadSyncd = !!raw.globalDefs.lvsSyncDaemon;
        readGlobalDefs(r, s, raw.globalDefs);
        if (!hadSyncd) this.globalSyncd(s, r);
        break;
      }
      case 'static_ipaddress':
        for (const e of r.requireBlock(s)) add('staticIpaddress', readAddress(r, e), e);
        break;
      case 'static_routes':
        for (const e of r.requireBlock(s)) {
          const words = readRoute(r, e, 'static_routes');
          if (words) add('staticRoutes', { words }, e);
        }
        break;
      case 'static_rules':
        for (const e of r.requireBlock(s)) {
          const words = readRule(r, e, 'static_rules');
          if (words) add('staticRules', { words }, e);
        }
        break;
      case 'SSL':
        raw.ssl = readSsl(r, s);
        break;
      case 'virtual_server_group':
        add('virtualServerGroups', readVirtualServerGroup(r, s), s);
        break;
      case 'virtual_server': {
        const vs = readVirtualServer(r, s);
        if (!vs) break;
        // Cross-checks about one real server (its quorum) point at its own line.
        origins[realServerOrigins(origins.virtualServers?.length ?? 0)] = (s.block ?? []).filter((c) => c.keyword.text === 'real_server').map((c) => c.keyword.pos);
        (origins.virtualServers ??= []).push(s.keyword.pos);
        this.validation.readVirtualServer(vs);
        break;
      }
      case 'vrrp_script':
        this.scriptsSoFar.add(s.args[0]?.text ?? '');
        add('vrrpScripts', readVrrpScript(r, s), s);
        break;
      case 'vrrp_track_file':
        add('vrrpTrackFiles', readTrackFile(r, s), s);
        break;
      case 'vrrp_track_process': {
        const tp = readTrackProcess(r, s);
        if (tp) this.processes.define(tp.name, seq, s.keyword.pos, r);
        add('vrrpTrackProcesses', tp, s);
        break;
      }
      case 'vrrp_sync_group': {
        const own = new Diagnostics();
        const next = new Diagnostics();
        this.segments.push(own, next);
        this.syncGroups.push({ s, r: new Reader(own, this.uses), seq });
        this.r = new Reader(next, this.uses);
        break;
      }
      case 'vrrp_instance':
      {
        this.instanceNames.add(s.args[0]?.text ?? '');
        const vi = readVrrpInstance(r, s);
        add('vrrpInstances', vi, s);
        // keepalived resolves track_script while reading: a vrrp_script defined further down is not found.
        this.firstSyncdInterface(vi, s, r);
        if (vi) this.processes.refer(vi.name, s, vi.trackProcess, seq, r);
        for (const t of vi?.trackScript ?? []) if (!this.scriptsSoFar.has(t.name)) this.unresolved.push({ vi: vi!, name: t.name, pos: trackScriptPos(s, t.name), r });
        break;
      }
      case 'vigil':
        readVigil(r, s, raw.vigil, origins);
        break;
      default:
        if (OTHER_BLOCKS.has(k) || ROOT_GLOBAL_WORDS.has(k)) {
          if (SHIM_UNIMPLEMENTED.has(k)) this.uses.push({ keyword: k, pos: s.keyword.pos });
          const o: { keyword: string; args: string[]; body?: string[] } = { keyword: k, args: s.args.map((a) => a.text) };
          if (s.block) o.body = s.block.flatMap((b) => statementLines(b));
          add('otherBlocks', o, s);
        } else {
          r.diags.warn(s.keyword.pos, `unknown keyword '${k}'; ignored`);
          if (!s.block) break;
          // keepalived ignores the `{` and reads the block's lines as top-level statements of their own.
          r.diags.warn(s.blockPos ?? s.keyword.pos, `keepalived ignores this '{': the lines below are read as top-level statements`);
          return s.block;
        }
    }
    return undefined;
  }

  /** keepalived keeps the first instance's lvs_sync_daemon_interface and ignores later ones, saying so. */
  private firstSyncdInterface(vi: { name: string; lvsSyncDaemonInterface?: string } | undefined, s: Statement, r: Reader): void {
    if (vi?.lvsSyncDaemonInterface === undefined) return;
    this.syncdInterface ??= (this.raw.globalDefs.lvsSyncDaemon as { interface: string } | undefined)?.interface;
    if (this.syncdInterface === undefined) {
      this.syncdInterface = vi.lvsSyncDaemonInterface;
      return;
    }
    const at = s.block?.find((c) => c.keyword.text === 'lvs_sync_daemon_interface')?.keyword.pos ?? s.keyword.pos;
    r.diags.warn(at, `(${vi.name}) lvs_sync_daemon_interface has already been specified as ${this.syncdInterface} - ignoring`);
    delete vi.lvsSyncDaemonInterface;
  }

  /**
   * After global_defs sets lvs_sync_daemon: remembers where it names its
   * instance (checked in finish), and drops it when an instance's
   * lvs_sync_daemon_interface came first, as keepalived keeps the first one read.
   */
  private globalSyncd(s: Statement, r: Reader): void {
    const sd = this.raw.globalDefs.lvsSyncDaemon as { instance?: string } | undefined;
    const stmt = s.block?.find((c) => c.keyword.text === 'lvs_sync_daemon');
    const word = stmt?.args.find((a, i) => a.text === sd?.instance && (i === 1 || stmt.args[i - 1]?.text === 'inst'));
    if (sd?.instance !== undefined && word) this.syncdInstance = { name: sd.instance, pos: word.pos, r };
    if (!sd || this.syncdInterface === undefined) return;
    const at = s.block?.find((c) => c.keyword.text === 'lvs_sync_daemon')?.keyword.pos ?? s.keyword.pos;
    r.diags.warn(at, `lvs_sync_daemon has already been specified as ${this.syncdInterface}  - ignoring`);
    delete this.raw.globalDefs.lvsSyncDaemon;
  }

  /** Reads the sync groups, now that every instance name is known. */
  finish(): { raw: Raw; origins: Origins } {
    for (const { s, r, seq } of this.syncGroups) {
      const g = readSyncGroup(r, s, this.instanceNames);
      if (g) this.processes.refer(g.name, s, g.trackProcess, seq, r);
      this.add('vrrpSyncGroups', g, s);
    }
    this.processes.resolve();
    // keepalived -t is silent here; its VRRP process says this at start and runs no sync daemon.
    const si = this.syncdInstance;
    if (si && this.raw.globalDefs.lvsSyncDaemon && !this.instanceNames.has(si.name)) si.r.diags.note(si.pos, `Unable to find vrrp instance ${si.name} for lvs_syncd - clearing lvs_syncd config (keepalived says so at start, and runs no sync daemon)`);
    // A script defined later is not tracked, as keepalived; one never defined is left to crossCheck's warning.
    for (const u of this.unresolved) {
      const at = (this.raw.vrrpScripts as unknown[]).findIndex((x) => (x as { name?: string }).name === u.name);
      if (at < 0) continue;
      u.vi.trackScript = u.vi.trackScript?.filter((t) => t.name !== u.name);
      const def = this.origins.vrrpScripts?.[at];
      u.r.diags.warn(u.pos, `(${u.vi.name}) track script ${u.name} not found, ignoring... (keepalived resolves track_script as it reads, and vrrp_script ${u.name} comes later${def ? `, at line ${def.line}` : ''}: it is not tracked)`);
    }
    return { raw: this.raw, origins: this.origins };
  }
}
