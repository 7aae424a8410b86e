import { applyOps, diffTable } from '../../core/ipvs/diff.ts';
import type { IpvsOp } from '../../core/ipvs/ipvsadm-format.ts';
import type { IpvsTable } from '../../core/ipvs/table.ts';
import type { IpvsBackend } from './backend.ts';

export type ReconcileResult =
  | { ok: true; ops: IpvsOp[]; readMs: number; applyMs: number; after: IpvsTable }
  | { ok: false; stage: 'read' | 'apply'; code: string; message: string; ops: IpvsOp[] };

/**
 * Level-triggered: observe, compare with what is wanted, act only on the
 * difference. `remove` names services this shim owns that should be gone (a
 * virtual server dropped by a reload, or every owned service at exit).
 * `observed`, when given, is the table as the last successful pass left it:
 * the read is skipped (a process spawn and a full dump per verdict otherwise),
 * and the caller re-reads on its resync timer and after any failure.
 */
export async function reconcile(backend: IpvsBackend, desired: IpvsTable, remove: Iterable<string> = [], signal?: AbortSignal, observed?: IpvsTable): Promise<ReconcileResult> {
  const t0 = performance.now();
  let seen = observed;
  if (!seen) {
    const r = await backend.read(signal);
    if (!r.ok) return { ok: false, stage: 'read', code: r.code, message: r.message, ops: [] };
    seen = r.table;
  }
  const t1 = performance.now();
  const ops = diffTable(seen, desired, remove);
  const done = await backend.apply(ops, signal);
  const t2 = performance.now();
  if (!done.ok) return { ok: false, stage: 'apply', code: done.code, message: done.message, ops };
  return { ok: true, ops, readMs: t1 - t0, applyMs: t2 - t1, after: applyOps(seen, ops) };
}
