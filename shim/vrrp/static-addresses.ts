/**
 * static_ipaddress, as keepalived's VRRP process keeps it: added at start
 * (before static_routes, which may name one as `src`), whatever the instances
 * do; on a reload the addresses gone from the file are removed and the rest
 * added again ("already there" is done); removed at stop. Each address names
 * its interface (`dev`), which the plan checks. Changes run one at a time;
 * failures are logged with the addresses that failed, and the next change
 * tries them again.
 */
import type { VirtualAddress } from '../../core/config/vrrp.ts';
import { addAddress, removeAddress } from './addresses.ts';
import type { Log } from './instance-runtime.ts';
import { vrrpFault, vrrpOk } from './vrrp-faults.ts';

const key = (a: VirtualAddress) => JSON.stringify(a);

export class StaticAddresses {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private list: VirtualAddress[],
    private readonly log: Log,
  ) {}

  start(): Promise<void> {
    return this.apply(true, this.list);
  }

  reload(next: VirtualAddress[]): Promise<void> {
    const kept = new Set(next.map(key));
    void this.apply(false, this.list.filter((a) => !kept.has(key(a))));
    this.list = next;
    return this.apply(true, next);
  }

  stop(): Promise<void> {
    return this.apply(false, this.list);
  }

  private apply(add: boolean, list: VirtualAddress[]): Promise<void> {
    const run = async () => {
      if (!list.length) return;
      // The plan refuses an address without dev: '' never reaches the kernel.
      const results = await Promise.all(list.map((a) => (add ? addAddress(a, a.dev ?? '') : removeAddress(a, a.dev ?? ''))));
      const failed = results.filter((r) => !r.ok);
      if (!failed.length) return vrrpOk('vrrp_static');
      const detail = failed.map((f) => `${f.address}: ${f.detail}`);
      if (!vrrpFault('vrrp_static', add ? 'add_failed' : 'delete_failed', detail.join('; '))) this.log(add ? 'static address add failed' : 'static address remove failed', { failed: detail });
    };
    this.queue = this.queue.then(run, run);
    return this.queue;
  }
}
