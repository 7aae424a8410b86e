/**
 * What a reload does to each VRRP instance, decided once from the old and new
 * plans (pure). Instances are matched by name, as keepalived matches them.
 *
 * An instance is the same instance when everything that identifies it on the
 * wire or ties it to other state is unchanged: interface, family, version,
 * VRID, address ownership (priority 255 or not), accept mode, its source and destination
 * (multicast group or unicast peers), authentication, unicast source checking,
 * checksum style, its sync group and its tracked objects. Then it keeps its
 * state and timers, and the rest is applied in place: priority, advert_int,
 * preemption, virtual addresses (added or removed while master), garp timing,
 * notify scripts. Anything else is a different instance: the old one leaves as
 * at shutdown (priority 0, addresses removed) and the new one starts.
 */
import type { InstancePlan, VrrpPlan } from './plan.ts';

export interface PlanDiff {
  /** Same instance: [running plan, new plan]. */
  kept: Array<[InstancePlan, InstancePlan]>;
  added: InstancePlan[];
  removed: InstancePlan[];
}

function identity(p: InstancePlan): string {
  return JSON.stringify([
    p.ifname,
    p.family,
    p.version,
    p.vrid,
    p.basePriority === 255,
    p.accept,
    p.sourceAddress ?? null,
    p.destination,
    p.unicastPeers,
    p.authType,
    Buffer.from(p.authData).toString('hex'),
    p.checkUnicastSrc,
    p.v3ChecksumAsV2,
    p.syncGroup ?? null,
    p.tracks,
    // use_vmac's macvlan: its name is ifname above.
    p.vmac ? [p.vmac.mac, p.vmac.xmitBase, p.vmac.otherFamilyExcluded] : null,
  ]);
}

export function diffPlans(running: VrrpPlan, next: VrrpPlan): PlanDiff {
  const nextByName = new Map(next.instances.map((p) => [p.name, p]));
  const runningNames = new Set(running.instances.map((p) => p.name));
  const diff: PlanDiff = { kept: [], added: [], removed: [] };
  for (const old of running.instances) {
    const now = nextByName.get(old.name);
    if (now && identity(now) === identity(old)) diff.kept.push([old, now]);
    else {
      diff.removed.push(old);
      if (now) diff.added.push(now);
    }
  }
  for (const p of next.instances) if (!runningNames.has(p.name)) diff.added.push(p);
  return diff;
}

/** Addresses (virtual and excluded) by text: what to add and what to remove when an instance is kept. */
export function addressChanges(old: InstancePlan, now: InstancePlan): { add: InstancePlan['addresses']; remove: InstancePlan['addresses'] } {
  const key = (a: InstancePlan['addresses'][number]) => JSON.stringify(a);
  const before = [...old.addresses, ...old.excludedAddresses];
  const after = [...now.addresses, ...now.excludedAddresses];
  const had = new Set(before.map(key));
  const has = new Set(after.map(key));
  return { add: after.filter((a) => !had.has(key(a))), remove: before.filter((a) => !has.has(key(a))) };
}
