import { locateJsonPaths } from '../config/json-errors.ts';
import type { Config } from '../config/model.ts';
import type { Diagnostic } from '../keepalived/diagnostics.ts';
import type { VantagePoint } from '../config/vigil.ts';
import { assignTargets, type TargetAssignment } from './targets.ts';

/** One real server whose quorum cannot be met by the vantage points that can check it. */
export interface QuorumShortfall {
  /** Index of the virtual server in config.virtualServers, and of the real server in it. */
  vsIndex: number;
  rsIndex: number;
  message: string;
}

/**
 * The vantage points as the local stack's edge sees them (EDGE_PRIVATE_TARGETS=probe):
 * workerd on the operator's own machine reaches loopback and private
 * addresses, so edge vantage points are assigned as self-hosted ones are.
 */
export function edgeReachingPrivate(config: Config): Config {
  const vps: VantagePoint[] = config.vigil.vantagePoints.map((v) => ({ ...v, kind: 'self-hosted' as const }));
  return { ...config, vigil: { ...config.vigil, vantagePoints: vps } };
}

export interface PlanOptions {
  /** The local stack's edge reaches private addresses (EDGE_PRIVATE_TARGETS=probe): plan as that Board assigns. */
  edgeReachesPrivate?: boolean | undefined;
}

/**
 * Every real server that fewer vantage points can check than its quorum
 * needs (effectiveQuorum says `short`), as the plan would assign them. A
 * config with no vantage points at all is left alone: the Board warns that
 * every verdict will stay unknown, and the shim's --local mode needs none.
 */
export function quorumShortfalls(config: Config, opts: PlanOptions = {}): QuorumShortfall[] {
  if (config.vigil.vantagePoints.length === 0) return [];
  const assignments = assignTargets(opts.edgeReachesPrivate ? edgeReachingPrivate(config) : config);
  const out: QuorumShortfall[] = [];
  let i = 0;
  config.virtualServers.forEach((vs, vsIndex) => {
    vs.realServers.forEach((_rs, rsIndex) => {
      const a = assignments[i++]!;
      if (a.quorum.short) out.push({ vsIndex, rsIndex, message: shortfallMessage(a) });
    });
  });
  return out;
}

function shortfallMessage(a: TargetAssignment): string {
  const { quorum, assigned } = a.quorum;
  const who = assigned === 0 ? 'no vantage point can check it' : `only ${assigned} vantage point${assigned === 1 ? '' : 's'} can check it (${a.vantagePoints.join(', ')})`;
  const why = [...new Set(a.excluded.map((e) => e.why))].map((w) => `; ${a.excluded.filter((e) => e.why === w).map((e) => e.vantagePoint).join(', ')}: ${w}`).join('');
  const fix = assigned === 0 ? 'declare a self-hosted vantage point that can reach it' : "add vantage points that can reach it, lower quorum, or say 'degrade majority' (or 'degrade all') in vigil { vote { } }";
  return `real_server ${a.key}: quorum ${quorum} needs ${quorum} vantage point${quorum === 1 ? '' : 's'} but ${who}${why}; ${fix}`;
}

/**
 * The vote plan check for the JSON form (keepalived.conf gets it from the
 * reader's cross-check): each shortfall as an error where its real server
 * stands in the document.
 */
export function jsonQuorumDiagnostics(config: Config, file: string, text: string, opts: PlanOptions = {}): Diagnostic[] {
  const short = quorumShortfalls(config, opts);
  if (short.length === 0) return [];
  const where = locateJsonPaths(text).values;
  return short.map((s) => {
    const at = where.get(['virtualServers', s.vsIndex, 'realServers', s.rsIndex].join('\u0000')) ?? { line: 1, col: 1 };
    return { severity: 'error' as const, file, line: at.line, col: at.col, message: s.message };
  });
}
