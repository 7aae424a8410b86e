import { Config } from '../config/model.ts';
import { Diagnostics, type Diagnostic, type Origins } from './diagnostics.ts';
import type { ExpansionBudget } from './expansion-budget.ts';
import { Preprocessor, type ConfigHost } from './preprocess.ts';
import { readAddress, readRoute, readRule } from './read-addresses.ts';
import { readGlobalDefs, ROOT_GLOBAL_WORDS } from './read-global.ts';
import { readSsl, readVirtualServer, readVirtualServerGroup } from './read-lvs.ts';
import { readVigil } from './read-vigil.ts';
import { readSyncGroup, readTrackFile, readVrrpInstance, readVrrpScript } from './read-vrrp.ts';
import { Reader, statementLines } from './reader.ts';
import { TreeBuilder, type Statement } from './tree.ts';
import { crossCheck, realServerOrigins } from './cross-check.ts';

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
  | { ok: true; config: Config; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

/** Top-level blocks keepalived knows that Vigil carries through unchanged. */
const OTHER_BLOCKS = new Set(['track_group', 'garp_group', 'linkbeat_interfaces', 'vrrp_track_process', 'bfd_instance', 'interface_up_down_delays']);

type Raw = Record<string, unknown> & {
  globalDefs: Record<string, unknown>;
  vigil: { vantagePoints: unknown[]; cloudBindings: unknown[] };
};

/**
 * Reads a keepalived.conf (with its includes) into the Vigil model. Any error
 * means no model: the caller keeps whatever it was running.
 */
export function readKeepalivedConfig(path: string, opts: ReadOptions): ReadResult {
  const diags = new Diagnostics();
  const builder = new TreeBuilder(diags);
  const pre = new Preprocessor({ configId: opts.configId, host: opts.host, budget: opts.budget }, diags, (l) => builder.line(l));
  pre.processFile(path);
  // A budget stop leaves a fragment: its unclosed blocks and missing parts would only bury the one error that matters.
  if (pre.exhausted) return { ok: false, diagnostics: diags.sorted() };
  const tree = builder.finish();
  const { raw, origins } = interpret(tree, new Reader(diags));
  const parsed = Config.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [coll, idx] = issue.path;
      const pos = (typeof coll === 'string' && typeof idx === 'number' ? origins[coll]?.[idx] : undefined) ?? { file: path, line: 1, col: 1 };
      diags.error(pos, `${issue.path.join('.')}: ${issue.message}`);
    }
  } else crossCheck(parsed.data, origins, diags, { edgeReachesPrivate: opts.edgeReachesPrivate });
  if (diags.hasErrors || !parsed.success) return { ok: false, diagnostics: diags.sorted() };
  return { ok: true, config: parsed.data, diagnostics: diags.sorted() };
}

function interpret(tree: Statement[], r: Reader): { raw: Raw; origins: Origins } {
  const raw: Raw = {
    globalDefs: {},
    staticIpaddress: [],
    staticRoutes: [],
    staticRules: [],
    virtualServerGroups: [],
    virtualServers: [],
    vrrpScripts: [],
    vrrpTrackFiles: [],
    vrrpSyncGroups: [],
    vrrpInstances: [],
    otherBlocks: [],
    vigil: { vantagePoints: [], cloudBindings: [] },
  };
  const origins: Origins = {};
  const add = (coll: string, item: unknown, s: Statement) => {
    if (item === undefined) return;
    (raw[coll] as unknown[]).push(item);
    (origins[coll] ??= []).push(s.keyword.pos);
  };
  const instanceNames = new Set(tree.filter((s) => s.keyword.text === 'vrrp_instance').map((s) => s.args[0]?.text ?? ''));
  for (const s of tree) {
    const k = s.keyword.text;
    switch (k) {
      case 'global_defs':
        readGlobalDefs(r, s, raw.globalDefs);
        break;
      case 'static_ipaddress':
        for (const e of r.requireBlock(s)) add('staticIpaddress', readAddress(r, e), e);
        break;
      case 'static_routes':
        for (const e of r.requireBlock(s)) {
          const words = readRoute(r, e);
          if (words) add('staticRoutes', { words }, e);
        }
        break;
      case 'static_rules':
        for (const e of r.requireBlock(s)) {
          const words = readRule(r, e);
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
        // Cross-checks about one real server (its quorum) point at its own line.
        if (vs) origins[realServerOrigins((raw.virtualServers as unknown[]).length)] = (s.block ?? []).filter((c) => c.keyword.text === 'real_server').map((c) => c.keyword.pos);
        add('virtualServers', vs, s);
        break;
      }
      case 'vrrp_script':
        add('vrrpScripts', readVrrpScript(r, s), s);
        break;
      case 'vrrp_track_file':
        add('vrrpTrackFiles', readTrackFile(r, s), s);
        break;
      case 'vrrp_sync_group':
        add('vrrpSyncGroups', readSyncGroup(r, s, instanceNames), s);
        break;
      case 'vrrp_instance':
        add('vrrpInstances', readVrrpInstance(r, s), s);
        break;
      case 'vigil':
        readVigil(r, s, raw.vigil);
        break;
      default:
        if (OTHER_BLOCKS.has(k) || ROOT_GLOBAL_WORDS.has(k)) {
          const o: { keyword: string; args: string[]; body?: string[] } = { keyword: k, args: s.args.map((a) => a.text) };
          if (s.block) o.body = s.block.flatMap((b) => statementLines(b));
          add('otherBlocks', o, s);
        } else r.diags.warn(s.keyword.pos, `unknown keyword '${k}'; ignored${s.block ? ' with its block' : ''}`);
    }
  }
  return { raw, origins };
}
