import { applyOps } from '../../core/ipvs/diff.ts';
import { renderTable, type IpvsOp } from '../../core/ipvs/ipvsadm-format.ts';
import type { IpvsTable } from '../../core/ipvs/table.ts';
import type { IpvsBackend } from '../../shim/ipvs/backend.ts';

/**
 * A first-class fake for tests about other things (the daemon, fail-static):
 * an in-memory kernel table that applies ops with IPVS's own refusals (adding
 * what exists, editing what does not) and records every batch.
 */
export class RecordingIpvsBackend implements IpvsBackend {
  readonly kind = 'recording';
  table: IpvsTable = new Map();
  readonly batches: IpvsOp[][] = [];
  reads = 0;
  /** Set to make the next calls fail, as a missing module or a dead ipvsadm would. */
  failWith: string | null = null;

  async read() {
    this.reads++;
    if (this.failWith) return { ok: false as const, code: 'ERR_IPVS_READ' as const, message: this.failWith };
    return { ok: true as const, table: this.table };
  }

  async apply(ops: readonly IpvsOp[]) {
    if (this.failWith) return { ok: false as const, code: 'ERR_IPVS_APPLY' as const, message: this.failWith };
    try {
      this.table = applyOps(this.table, ops);
    } catch (err) {
      return { ok: false as const, code: 'ERR_IPVS_APPLY' as const, message: (err as Error).message };
    }
    if (ops.length) this.batches.push([...ops]);
    return { ok: true as const, applied: ops.length };
  }

  text(): string {
    return renderTable(this.table);
  }
}
