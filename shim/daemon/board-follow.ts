import { readFileSync } from 'node:fs';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import type { BoardSubscriber } from './board-subscriber.ts';
import type { Metrics } from './metrics.ts';
import { boardUrlProblem } from '../probe/board-url.ts';

/** The options that say which Board to follow (the shim's --board group). */
export interface BoardCliOptions {
  board?: string;
  token?: string;
  tokenFile?: string;
  cluster?: string;
  boardKey?: string;
  boardBackoffMax?: string;
}

type Log = (msg: string, fields?: Record<string, unknown>) => void;

/**
 * One BoardSubscriber for the process, whoever needs the snapshots (the IPVS
 * side, VRRP tracking or both): started here, with its counters in `metrics`.
 * The caller has checked the options.
 */
export async function followBoard(o: BoardCliOptions, log: Log, onSnapshot: (s: Snapshot) => void, metrics: Metrics): Promise<BoardSubscriber> {
  // The token is a secret: read from a file or the environment when given so, never logged.
  const token = (o.token ?? (o.tokenFile ? readFileSync(o.tokenFile, 'utf8') : process.env.VIGIL_SHIM_TOKEN) ?? '').trim();
  // Loaded only when following a Board: undici and the signature code are most of a --local shim's heap otherwise.
  const [{ loadBoardKeys }, { BoardSubscriber }] = await Promise.all([import('./board-keys.ts'), import('./board-subscriber.ts')]);
  const keys = await loadBoardKeys(o.boardKey!);
  const sub = new BoardSubscriber({ url: o.board!, cluster: o.cluster!, token, keys, log, onSnapshot, backoffMaxMs: o.boardBackoffMax ? Number(o.boardBackoffMax) * 1000 : undefined });
  metrics.define('vigil_shim_snapshots_accepted_total', 'counter', 'Snapshots that passed signature, sequence and expiry checks');
  metrics.define('vigil_shim_snapshots_rejected_total', 'counter', 'Snapshots refused, by reason');
  metrics.define('vigil_shim_board_connected', 'gauge', 'Transport to the Board in use');
  metrics.collect(() => {
    metrics.set('vigil_shim_snapshots_accepted_total', sub.stats.accepted);
    for (const [reason, n] of Object.entries(sub.stats.rejected)) metrics.set('vigil_shim_snapshots_rejected_total', n ?? 0, { reason });
    for (const t of ['websocket', 'long-poll', 'none']) metrics.set('vigil_shim_board_connected', sub.stats.transport === t ? 1 : 0, { transport: t });
  });
  // Only the origin: a URL's user-info part would be a secret.
  log('board', { url: new URL(o.board!).origin, cluster: o.cluster, keys: [...keys.keys()] });
  return sub;
}

/** Why these options cannot follow a Board, or null (no --board at all is the caller's to judge). */
export function boardOptionsProblem(o: BoardCliOptions, who: string): string | null {
  const missing = [!o.cluster && '--cluster', !o.boardKey && '--board-key', !(o.token || o.tokenFile || process.env.VIGIL_SHIM_TOKEN) && '--token/--token-file/VIGIL_SHIM_TOKEN'].filter(Boolean);
  if (missing.length) return `${who} needs ${missing.join(', ')} with --board`;
  return boardUrlProblem(o.board!);
}
