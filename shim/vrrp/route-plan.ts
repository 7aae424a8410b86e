/**
 * Each instance's virtual_routes and virtual_rules as the shim applies them
 * (parsed once by core/config/ip-route.ts), and what a reload moves. Pure.
 */
import { parseRoute, parseRule, RULE_START_PRIORITY, type Route, type Rule } from '../../core/config/ip-route.ts';
import type { VrrpInstance } from '../../core/config/vrrp.ts';

export interface IpRoutes {
  routes: Route[];
  rules: Rule[];
}

/**
 * By instance name. Lines the reader dropped never reach the model; a line
 * that still fails here (a hand-built model) is skipped, as keepalived skips
 * it. Rules without a preference are numbered from 16384 down per family in
 * file order, as keepalived numbers them when it reads the file.
 */
export function ipRoutesByInstance(instances: readonly VrrpInstance[]): Map<string, IpRoutes> {
  const next = { 4: RULE_START_PRIORITY, 6: RULE_START_PRIORITY };
  const out = new Map<string, IpRoutes>();
  for (const vi of instances) {
    const routes = vi.virtualRoutes.map((l) => parseRoute(l.words)).flatMap((p) => (p.ok ? [p.value] : []));
    const rules = vi.virtualRules.map((l) => parseRule(l.words)).flatMap((p) => (p.ok ? [{ ...p.value, priority: p.value.priority ?? next[p.value.family]-- }] : []));
    out.set(vi.name, { routes, rules });
  }
  return out;
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
