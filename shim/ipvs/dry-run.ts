import { opArgs, type IpvsOp } from '../../core/ipvs/ipvsadm-format.ts';
import type { IpvsBackend } from './backend.ts';

/**
 * `dry-run`: reads through `inner` (or sees an empty table) and prints the
 * ipvsadm commands it would run instead of running them.
 */
export function withDryRun(inner: IpvsBackend | undefined, print: (line: string) => void): IpvsBackend {
  return {
    kind: `dry-run(${inner?.kind ?? 'empty'})`,
    async read(signal) {
      const r = inner ? await inner.read(signal) : null;
      if (r?.ok) return r;
      // No readable table here (no IPVS in this kernel): show the commands against an empty one.
      if (r) print(`# ${inner!.kind} read failed (${r.message.split('\n')[0]}); diff against an empty table`);
      return { ok: true, table: new Map() };
    },
    async apply(ops: readonly IpvsOp[]) {
      for (const o of ops) print(['ipvsadm', ...opArgs(o)].join(' '));
      return { ok: true, applied: 0 };
    },
  };
}
