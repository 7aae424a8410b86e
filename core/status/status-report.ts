/**
 * `vigil status`: the shim's view (its status file) and, when asked, the
 * cluster's view (the Board's latest fold, GET /v1/clusters/{c}/votes), judged
 * for what needs an operator's attention, and written as a table for people or
 * as JSON for scripts. Pure: reading the file and the Board is the CLI's.
 */
import type { VoteDetail } from '../vote/vote-detail.ts';
import type { ShimStatusFile } from './shim-status.ts';

/** The exit codes, documented in the README: scripts branch on them. */
export const STATUS_EXIT = {
  ok: 0,
  /** Something needs attention (the report's `attention` says what). */
  attention: 1,
  /** The status file or the Board could not be read: nothing can be said. */
  unreadable: 2,
  usage: 64,
} as const;

export interface StatusReport {
  nowMs: number;
  statusFile: string | null;
  shim: (ShimStatusFile & { ageS: number; running: boolean }) | null;
  shimError: string | null;
  board: ({ cluster: string } & VoteDetail) | null;
  boardError: string | null;
  attention: string[];
  exitCode: number;
}

export interface StatusInput {
  nowMs: number;
  statusFile: string | null;
  shim: { file: ShimStatusFile; running: boolean } | { error: string } | null;
  board: { cluster: string; detail: VoteDetail } | { error: string } | null;
  /** The status file is rewritten every second; older than this, the shim is taken for stopped. */
  staleAfterMs: number;
}

const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function statusReport(i: StatusInput): StatusReport {
  const attention: string[] = [];
  let shim: StatusReport['shim'] = null;
  let shimError: string | null = null;
  if (i.shim && 'error' in i.shim) shimError = i.shim.error;
  else if (i.shim) {
    const f = i.shim.file;
    const ageMs = f.writtenAtMs === undefined ? 0 : i.nowMs - f.writtenAtMs;
    shim = { ...f, ageS: Math.round(ageMs / 100) / 10, running: i.shim.running };
    if (!i.shim.running) attention.push(`the shim (pid ${f.pid ?? '?'}) is not running`);
    else if (ageMs > i.staleAfterMs) attention.push(`the status file is ${s1(ageMs)} old: the shim is not writing it`);
    for (const inst of f.instances) if (inst.state === 'FAULT') attention.push(`vrrp_instance ${inst.name} is in FAULT`);
    const ipvs = f.ipvs;
    if (ipvs) {
      if (ipvs.mode === 'waiting') attention.push('IPVS: no decision yet (waiting for a first snapshot)');
      if (ipvs.mode === 'holding') attention.push('IPVS: holding the table as it is: no valid snapshot in force');
      if (ipvs.snapshot && ipvs.snapshot.expiresAtMs < i.nowMs) attention.push(`IPVS: snapshot seq ${ipvs.snapshot.seq} expired ${s1(i.nowMs - ipvs.snapshot.expiresAtMs)} ago`);
      if (ipvs.table.state === 'differs') attention.push(`IPVS: the table differs from the desired one (${ipvs.table.pendingOps} operations not applied${ipvs.table.lastError ? `: ${ipvs.table.lastError}` : ''})`);
      if (ipvs.table.state === 'unknown' && ipvs.table.lastPassAtMs !== null) attention.push(`IPVS: the table could not be read${ipvs.table.lastError ? `: ${ipvs.table.lastError}` : ''}`);
      for (const vs of ipvs.virtualServers) {
        if (!vs.quorumUp) attention.push(`IPVS: virtual server ${vs.key} has lost its quorum`);
        for (const rs of vs.realServers) if (!rs.alive && !rs.sorry) attention.push(`IPVS: real server ${rs.key} is down`);
      }
    }
  }
  let board: StatusReport['board'] = null;
  let boardError: string | null = null;
  if (i.board && 'error' in i.board) boardError = i.board.error;
  else if (i.board) {
    board = { cluster: i.board.cluster, ...i.board.detail };
    for (const rs of board.realServers) {
      if (rs.effective === 'down') attention.push(`Board: real server ${rs.key} is down (${rs.upVotes} up, ${rs.downVotes} down of ${rs.fresh} fresh votes; quorum ${rs.quorum})`);
      else if (rs.state === 'unknown') attention.push(`Board: real server ${rs.key} is unknown (${rs.fresh} fresh votes; quorum ${rs.quorum})`);
    }
  }
  if (shimError) attention.push(`status file: ${shimError}`);
  if (boardError) attention.push(`Board: ${boardError}`);
  const exitCode = shimError || boardError ? STATUS_EXIT.unreadable : attention.length ? STATUS_EXIT.attention : STATUS_EXIT.ok;
  return { nowMs: i.nowMs, statusFile: i.statusFile, shim, shimError, board, boardError, attention, exitCode };
}

/** Left-aligned columns, two spaces apart. */
function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => '  ' + r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

export function renderStatus(r: StatusReport): string {
  const out: string[] = [];
  const ago = (ms: number) => (ms >= r.nowMs ? `in ${s1(ms - r.nowMs)}` : `${s1(r.nowMs - ms)} ago`);
  if (r.shim) {
    const s = r.shim;
    out.push(`Shim: pid ${s.pid ?? '?'} ${s.running ? 'running' : 'NOT RUNNING'}, status written ${s.ageS.toFixed(1)} s ago (${r.statusFile})`);
    if (s.instances.length) {
      out.push('VRRP');
      out.push(...table(['INSTANCE', 'STATE', 'PRIORITY', 'MASTER'], s.instances.map((i) => [i.name, i.state, String(i.priority), i.master ?? '-'])));
      for (const g of s.groups) out.push(`  sync group ${g.name}: ${g.state}`);
    }
    if (s.ipvs) {
      const p = s.ipvs;
      const snap = p.snapshot ? `snapshot seq ${p.snapshot.seq} issued ${ago(p.snapshot.issuedAtMs)}, expires ${ago(p.snapshot.expiresAtMs)}` : 'no snapshot';
      const pass = p.table.lastPassAtMs === null ? 'no pass yet' : `last pass ${ago(p.table.lastPassAtMs)}`;
      out.push(`IPVS: mode ${p.mode}, ${snap}; table ${p.table.state} (${pass})`);
      const rows = p.virtualServers.flatMap((vs) =>
        vs.realServers.map((rs, n) => [n === 0 ? vs.key : '', n === 0 ? (vs.quorumUp ? 'up' : 'LOST') : '', rs.key, rs.alive ? 'up' : 'DOWN', rs.present ? 'yes' : 'no', String(rs.weight), rs.sorry ? 'sorry' : '']),
      );
      out.push(...table(['VIRTUAL SERVER', 'QUORUM', 'REAL SERVER', 'ALIVE', 'IN TABLE', 'WEIGHT', ''], rows));
    }
    if (s.leases) {
      out.push('Leases');
      out.push(...(s.leases.length ? table(['BINDING', 'TOKEN', 'EXPIRES IN'], s.leases.map((l) => [l.binding, String(l.token), s1(l.expiresInMs)])) : ['  none held']));
    }
  } else if (r.shimError) out.push(`Shim: ${r.shimError}`);
  if (r.board) {
    out.push(`Board: cluster ${r.board.cluster}, seq ${r.board.seq}, folded ${ago(r.board.atMs)}`);
    out.push(
      ...table(
        ['REAL SERVER', 'STATE', 'EFFECTIVE', 'UP', 'DOWN', 'FRESH', 'QUORUM', 'VANTAGE POINTS'],
        r.board.realServers.map((rs) => [
          rs.key,
          rs.state,
          rs.effective,
          String(rs.upVotes),
          String(rs.downVotes),
          String(rs.fresh),
          String(rs.quorum),
          Object.entries(rs.votes)
            .map(([vp, v]) => `${vp}:${v.up ? 'up' : 'down'}${v.up ? '' : `(${v.reason})`}${v.fresh ? '' : '(stale)'}`)
            .join(' '),
        ]),
      ),
    );
  } else if (r.boardError) out.push(`Board: ${r.boardError}`);
  out.push(r.attention.length ? 'Needs attention:' : 'All well.');
  out.push(...r.attention.map((a) => `  - ${a}`));
  return out.join('\n') + '\n';
}
