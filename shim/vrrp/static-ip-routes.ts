/**
 * static_routes / static_rules, as keepalived's VRRP process keeps them: added
 * at start, whatever state the instances are in; on a reload, the lines gone
 * from the file are deleted and the rest added again ("already there" is
 * done); deleted at stop, --dont-release-vrrp or not; and a tracked one deleted
 * by someone else is put back at once (keepalived's reinstate_static_route).
 * Failures are logged once per change with the lines that failed; the next
 * change tries them again.
 */
import type { Log } from './instance-runtime.ts';
import { ipRouteChanges, type IpRoutes } from './route-plan.ts';
import { deletedLines, trackedLineDeleted, type Deleted } from './route-watch.ts';
import { applyIpRoutes } from './rtnetlink-routes.ts';
import { vrrpFault, vrrpOk } from './vrrp-faults.ts';

export class StaticIpRoutes {
  constructor(
    private lines: IpRoutes,
    private readonly log: Log,
  ) {}

  get current(): IpRoutes {
    return this.lines;
  }

  start(): void {
    this.apply(true, this.lines);
  }

  reload(next: IpRoutes): void {
    this.apply(false, ipRouteChanges(this.lines, next).remove);
    this.lines = next;
    this.apply(true, next);
  }

  stop(): void {
    this.apply(false, this.lines);
  }

  onDeleted(d: Deleted, ifIndex: (name: string) => number): void {
    const what = trackedLineDeleted(this.lines, d, ifIndex);
    if (!what) return;
    this.log('tracked static route or rule deleted; adding it again', { what });
    this.apply(true, deletedLines(this.lines, d, ifIndex));
  }

  private apply(add: boolean, r: IpRoutes): void {
    if (!r.routes.length && !r.rules.length) return;
    const failed = applyIpRoutes(add, r.routes, r.rules);
    if (!failed.length) return vrrpOk('vrrp_static');
    const detail = failed.map((f) => `${f.what}: ${f.detail}`);
    if (!vrrpFault('vrrp_static', add ? 'add_failed' : 'delete_failed', detail.join('; '))) this.log(add ? 'static route/rule add failed' : 'static route/rule delete failed', { failed: detail });
  }
}
