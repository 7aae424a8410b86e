import { formatDiagnostic, type ReadResult } from '../../core/keepalived/index.ts';

/**
 * The shim's refusal of keepalived keywords it reads but does not act on
 * (use_vmac_addr, track_bfd…: SHIM_UNIMPLEMENTED; lvs_sync_daemon without an instance; route and rule
 * words it cannot encode, such as `virtual_routes mtu`):
 * one line per use, naming the keyword at its file:line:col. `vigil check-config`
 * stays clean on them, as keepalived; only a running shim would silently lack them.
 */
export function unimplementedKeywordLines(res: ReadResult): string[] {
  if (!res.ok) return [];
  return (res.shimUnimplemented ?? []).map((u) =>
    formatDiagnostic({
      severity: 'error',
      ...u.pos,
      message: `'${u.keyword}' is not implemented by vigil shim; refusing to start rather than run without it (remove it, or keep keepalived for this part)`,
    }),
  );
}
