import { diffTable } from '../../core/ipvs/diff.ts';
import type { IpvsOp } from '../../core/ipvs/ipvsadm-format.ts';
import type { IpvsTable } from '../../core/ipvs/table.ts';
import type { IpvsBackend } from './backend.ts';

export type ReconcileResult =
  | { ok: true; ops: IpvsOp[]; readMs: number; applyMs: number }
  | { ok: false; stage: 'read' | 'apply'; code: string; message: string; ops: IpvsOp[] };

/**
 * Level-triggered: observe, compare with what is wanted, act only on the
 * difference. `remove` names services this shim owns that should be gone (a
 * virtual server dropped by a reload, or every owned service at exit).
 */
export async function reconcile(backend: IpvsBackend, desired: IpvsTable, remove: Iterable<string> = [], signal?: AbortSignal): Promise<ReconcileResult> {
  const t0 = performance.now();
  const seen = await backend.read(signal);
  const t1 = performance.now();
  if (!seen.ok) return { ok: false, stage: 'read', code: seen.code, message: seen.message, ops: [] };
  const ops = diffTable(seen.table, desired, remove);
  const done = await backend.apply(ops, signal);
  const t2 = performance.now();
  if (!done.ok) return { ok: false, stage: 'apply', code: done.code, message: done.message, ops };
  return { ok: true, ops, readMs: t1 - t0, applyMs: t2 - t1 };
}
