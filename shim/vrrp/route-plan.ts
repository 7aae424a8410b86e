/**
 * Each instance's virtual_routes and virtual_rules as the shim applies them
 * (parsed once by core/config/ip-route.ts), and what a reload moves. Pure.
 */
import { parseRoute, parseRule, RULE_START_PRIORITY, type ParsedLine, type Route, type Rule } from '../../core/config/ip-route.ts';
import type { IpRouteLine, VrrpInstance } from '../../core/config/vrrp.ts';

export interface IpRoutes {
  routes: Route[];
  rules: Rule[];
}

/**
 * By instance name, with problems. The keepalived reader already dropped the
 * lines keepalived drops and refused the words the shim cannot encode (at
 * their file:line:col); a model from elsewhere (vigil JSON) gets the same
 * verdict here, as plan problems that stop the shim, never a silent skip.
 * Rules without a preference are numbered from 16384 down per family in file
 * order, as keepalived numbers them when it reads the file.
 */
export function ipRoutesByInstance(
  instances: readonly VrrpInstance[],
  statics: { routes: readonly IpRouteLine[]; rules: readonly IpRouteLine[] } = { routes: [], rules: [] },
): { byName: Map<string, IpRoutes>; statics: IpRoutes; problems: string[] } {
  const next = { 4: RULE_START_PRIORITY, 6: RULE_START_PRIORITY };
  const byName = new Map<string, IpRoutes>();
  const problems: string[] = [];
  const take = <T>(owner: string, block: string, words: string[], p: ParsedLine<T>): T[] => {
    const where = `${owner}${block} '${words.join(' ')}'`;
    if (!p.ok) problems.push(`${where}: ${p.error.message}`);
    else for (const u of p.unsupported) problems.push(`${where}: '${u.message}' is not implemented by vigil shim`);
    return p.ok && !p.unsupported.length ? [p.value] : [];
  };
  const read = (owner: string, prefix: string, routes: readonly IpRouteLine[], rules: readonly IpRouteLine[]): IpRoutes => ({
    routes: routes.flatMap((l) => take(owner, `${prefix}_routes`, l.words, parseRoute(l.words))),
    rules: rules.flatMap((l) => take(owner, `${prefix}_rules`, l.words, parseRule(l.words))).map((r) => ({ ...r, priority: r.priority ?? next[r.family]-- })),
  });
  // keepalived numbers rules as it reads them; static_rules usually stand before the instances.
  const staticLines = read('', 'static', statics.routes, statics.rules);
  for (const vi of instances) byName.set(vi.name, read(`vrrp_instance ${vi.name}: `, 'virtual', vi.virtualRoutes, vi.virtualRules));
  return { byName, statics: staticLines, problems };
}

/** A reload kept an instance: the routes and rules to delete and to add (by content), as addresses move. */
export function ipRouteChanges(old: IpRoutes, now: IpRoutes): { add: IpRoutes; remove: IpRoutes } {
  const diff = <T>(a: T[], b: T[]) => {
    const inB = new Set(b.map((x) => JSON.stringify(x)));
    return a.filter((x) => !inB.has(JSON.stringify(x)));
  };
  return {
    add: { routes: diff(now.routes, old.routes), rules: diff(now.rules, old.rules) },
    remove: { routes: diff(old.routes, now.routes), rules: diff(old.rules, now.rules) },
  };
}
