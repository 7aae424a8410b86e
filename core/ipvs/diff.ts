import type { IpvsOp } from './ipvsadm-format.ts';
import { destId, sameDest, sameServiceAttrs, serviceId, type IpvsTable } from './table.ts';

/**
 * The least work that turns `observed` into `desired` for the services this
 * shim manages, and only those: a service in `observed` that is in neither
 * `desired` nor `remove` is someone else's and is never touched. Deletions come
 * first so a re-added destination never collides with its old self; a deleted
 * service takes its destinations with it, so they get no ops of their own.
 */
export function diffTable(observed: IpvsTable, desired: IpvsTable, remove: Iterable<string> = []): IpvsOp[] {
  const dels: IpvsOp[] = [];
  const adds: IpvsOp[] = [];
  for (const id of remove) {
    if (desired.has(id)) continue;
    const have = observed.get(id);
    if (have) dels.push({ op: 'del-service', service: have.service });
  }
  for (const [id, want] of desired) {
    const have = observed.get(id);
    if (!have) {
      adds.push({ op: 'add-service', service: want.service });
      for (const dest of want.dests) adds.push({ op: 'add-dest', service: want.service, dest });
      continue;
    }
    if (!sameServiceAttrs(have.service, want.service)) adds.push({ op: 'edit-service', service: want.service });
    const haveDests = new Map(have.dests.map((d) => [destId(d), d]));
    const wantDests = new Map(want.dests.map((d) => [destId(d), d]));
    for (const [did, d] of haveDests) if (!wantDests.has(did)) dels.push({ op: 'del-dest', service: want.service, dest: d });
    for (const [did, d] of wantDests) {
      const h = haveDests.get(did);
      if (!h) adds.push({ op: 'add-dest', service: want.service, dest: d });
      else if (!sameDest(h, d)) adds.push({ op: 'edit-dest', service: want.service, dest: d });
    }
  }
  return [...dels, ...adds];
}

/** What the table looks like after `ops`: the recording backend's model, and the check that a diff is complete. */
export function applyOps(table: IpvsTable, ops: readonly IpvsOp[]): IpvsTable {
  const out: IpvsTable = new Map([...table].map(([k, e]) => [k, { service: e.service, dests: [...e.dests] }]));
  for (const o of ops) {
    const id = serviceId(o.service);
    const e = out.get(id);
    switch (o.op) {
      case 'add-service':
        if (e) throw new Error(`service ${id} exists`);
        out.set(id, { service: o.service, dests: [] });
        break;
      case 'edit-service':
        if (!e) throw new Error(`no service ${id}`);
        e.service = o.service;
        break;
      case 'del-service':
        if (!e) throw new Error(`no service ${id}`);
        out.delete(id);
        break;
      case 'add-dest':
        if (!e || e.dests.some((d) => destId(d) === destId(o.dest))) throw new Error(`cannot add ${destId(o.dest)} to ${id}`);
        e.dests.push(o.dest);
        break;
      case 'edit-dest':
      case 'del-dest': {
        const i = e ? e.dests.findIndex((d) => destId(d) === destId(o.dest)) : -1;
        if (!e || i < 0) throw new Error(`no destination ${destId(o.dest)} in ${id}`);
        if (o.op === 'edit-dest') e.dests[i] = o.dest;
        else e.dests.splice(i, 1);
        break;
      }
    }
  }
  return out;
}
