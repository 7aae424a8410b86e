import type { VigilErrorCode } from '../../core/errors.ts';
import type { IpvsOp } from '../../core/ipvs/ipvsadm-format.ts';
import type { IpvsTable } from '../../core/ipvs/table.ts';

/**
 * The IPVS table behind two calls. Both return values, never throw for an
 * expected failure (a command that exits non-zero, a deadline, output we do not
 * understand): the reconcile loop decides what a failure means (hold still).
 */
export type ReadResult = { ok: true; table: IpvsTable } | { ok: false; code: Extract<VigilErrorCode, 'ERR_IPVS_READ' | 'ERR_IPVS_TIMEOUT' | 'ERR_IPVS_PARSE'>; message: string };
export type ApplyResult = { ok: true; applied: number } | { ok: false; code: Extract<VigilErrorCode, 'ERR_IPVS_APPLY' | 'ERR_IPVS_TIMEOUT'>; message: string };

export interface IpvsBackend {
  readonly kind: string;
  read(signal?: AbortSignal): Promise<ReadResult>;
  /** Applies the ops in order, as one batch where the backend can. */
  apply(ops: readonly IpvsOp[], signal?: AbortSignal): Promise<ApplyResult>;
}
