import type { Metrics } from './metrics.ts';

const VRRP_STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'] as const;

/**
 * The director's own series beside the IPVS side's and the Board
 * subscriber's, in the process's one registry: each VRRP instance's state as
 * a state-set, and per cloud binding of this director whether it holds the
 * lease (what the Board's vigil_lease_holder says from the other side).
 */
export function collectDirector(
  metrics: Metrics,
  o: {
    vrrpInstances?: () => readonly { name: string; state: string }[];
    /** The bindings that name this director, and those it believes it holds now. */
    leases?: { bindings: readonly string[]; held: () => readonly string[] };
  },
): void {
  if (o.vrrpInstances) {
    const instances = o.vrrpInstances;
    metrics.define('vigil_shim_vrrp_instance_state', 'gauge', "Each vrrp_instance's state as a state-set: 1 for the current one of INIT, BACKUP, MASTER, FAULT, STOP");
    metrics.collect(() => {
      for (const i of instances()) for (const state of VRRP_STATES) metrics.set('vigil_shim_vrrp_instance_state', i.state === state ? 1 : 0, { instance: i.name, state });
    });
  }
  if (o.leases) {
    const { bindings, held } = o.leases;
    metrics.define('vigil_shim_lease_held', 'gauge', "1 while this director holds the binding's lease (and may move its address), else 0");
    metrics.collect(() => {
      const now = new Set(held());
      for (const b of bindings) metrics.set('vigil_shim_lease_held', now.has(b) ? 1 : 0, { binding: b });
    });
  }
}
