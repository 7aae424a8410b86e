import type { Snapshot } from '../../core/vote/snapshot.ts';
import type { BoardSubscriber } from './board-subscriber.ts';
import { Faults, installProcessFaultHandlers } from './faults.ts';
import type { Metrics } from './metrics.ts';
import { boardUrlProblem } from '../probe/board-url.ts';
import { hasShimToken, shimToken, TOKEN_OPTIONS } from './shim-token.ts';

/** The options that say which Board to follow (the shim's --board group). */
export interface BoardCliOptions {
  board?: string;
  token?: string;
  tokenFile?: string;
  cluster?: string;
  boardKey?: string;
  boardBackoffMax?: string;
  /** Where the replay state (replay.json) is kept: the unit's StateDirectory. */
  stateDir?: string;
}

/** --state-dir's default: systemd's $STATE_DIRECTORY (the first, when it lists several), else the unit's StateDirectory=vigil. */
export function defaultStateDir(): string {
  return process.env.STATE_DIRECTORY?.split(':')[0] || '/var/lib/vigil';
}

type Log = (msg: string, fields?: Record<string, unknown>) => void;

/**
 * One BoardSubscriber for the process, whoever needs the snapshots (the IPVS
 * side, VRRP tracking or both): started here, with its counters in `metrics`,
 * its faults counted in `faults` (a new set when the caller has none), and
 * the replay guard of --state-dir (replay-state.ts): nothing at or below the
 * last applied sequence of a key id is applied again, across restarts too.
 * The caller has checked the options.
 */
export async function followBoard(o: BoardCliOptions, log: Log, onSnapshot: (s: Snapshot) => void, metrics: Metrics, faults?: Faults): Promise<BoardSubscriber> {
  const counted = faults ?? new Faults(metrics, log);
  installProcessFaultHandlers(counted, log);
  // The token is a secret: read from a file or the environment when given so, never logged.
  const token = shimToken(o);
  // Loaded only when following a Board: undici and the signature code are most of a --local shim's heap otherwise.
  const [{ loadBoardKeys }, { BoardSubscriber }, replay] = await Promise.all([import('./board-keys.ts'), import('./board-subscriber.ts'), import('./replay-state.ts')]);
  const keys = await loadBoardKeys(o.boardKey!);
  const guard = replay.replayGuard(o.stateDir ?? defaultStateDir(), o.cluster!, metrics, counted, log);
  const sub = new BoardSubscriber({
    url: o.board!,
    cluster: o.cluster!,
    token,
    keys,
    log,
    faults: counted,
    startSeq: guard.start.last?.seq,
    startSeqByKey: guard.start.seqByKey,
    beforeApply: guard.save,
    onSnapshot,
    backoffMaxMs: o.boardBackoffMax ? Number(o.boardBackoffMax) * 1000 : undefined,
  });
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
  const missing = [!o.cluster && '--cluster', !o.boardKey && '--board-key', !hasShimToken(o) && TOKEN_OPTIONS].filter(Boolean);
  if (missing.length) return `${who} needs ${missing.join(', ')} with --board`;
  return boardUrlProblem(o.board!);
}
