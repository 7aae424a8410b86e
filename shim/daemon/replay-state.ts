import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { writeFileAtomic } from './atomic-file.ts';

/**
 * The replay guard that outlives the process: the highest snapshot sequence
 * applied, per signing key id, for one cluster. Sequences are per key id: a
 * Board whose sequence starts again (new storage) signs with a new key id,
 * and a snapshot under a key id never seen starts from 0, while every key id
 * already seen keeps its own floor (an older key still pinned during a
 * rotation cannot bring back its old snapshots).
 */
export const ReplayState = z.object({
  v: z.literal(1),
  cluster: z.string().min(1).max(256),
  seqByKey: z.record(z.string().min(1).max(256), z.number().int().min(0)).refine((r) => Object.keys(r).length <= 64, 'at most 64 key ids'),
  last: z.object({ keyId: z.string().min(1).max(256), seq: z.number().int().min(0), atMs: z.number() }).optional(),
});
export type ReplayState = z.infer<typeof ReplayState>;

/** The file is a few hundred bytes; anything larger is not ours. */
const MAX_BYTES = 64 * 1024;
export const REPLAY_FILE = 'replay.json';

export type LoadedReplay =
  | { ok: true; state: ReplayState; from: 'file' | 'none' }
  /** Unreadable or corrupt: reported, and the shim starts from 0 (expiry still bounds any replay). */
  | { ok: false; state: ReplayState; reason: 'corrupt' | 'unreadable' | 'other_cluster'; detail: string };

export function emptyReplay(cluster: string): ReplayState {
  return { v: 1, cluster, seqByKey: {} };
}

export function loadReplay(dir: string, cluster: string): LoadedReplay {
  const path = join(dir, REPLAY_FILE);
  let text: string;
  try {
    const buf = readFileSync(path);
    if (buf.length > MAX_BYTES) return { ok: false, state: emptyReplay(cluster), reason: 'corrupt', detail: `${path}: ${buf.length} bytes, more than ${MAX_BYTES}` };
    text = buf.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, state: emptyReplay(cluster), from: 'none' };
    return { ok: false, state: emptyReplay(cluster), reason: 'unreadable', detail: `${path}: ${(err as Error).message}` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, state: emptyReplay(cluster), reason: 'corrupt', detail: `${path}: not JSON` };
  }
  const p = ReplayState.safeParse(doc);
  if (!p.success) {
    const i = p.error.issues[0];
    return { ok: false, state: emptyReplay(cluster), reason: 'corrupt', detail: `${path}: ${i?.path.join('.') || '(top)'}: ${i?.message ?? 'schema'}` };
  }
  // Another cluster's floor means nothing here (the config or --cluster changed): start from 0, and say so.
  if (p.data.cluster !== cluster) return { ok: false, state: emptyReplay(cluster), reason: 'other_cluster', detail: `${path} is for cluster ${p.data.cluster}` };
  return { ok: true, state: p.data, from: 'file' };
}

/** Written atomically (atomic-file.ts): after a crash, the old state or the new one. Throws on failure (the caller counts it and decides). */
export function saveReplay(dir: string, state: ReplayState): void {
  writeFileAtomic(join(dir, REPLAY_FILE), JSON.stringify(state) + '\n');
}

/** The state directory, made if missing (a unit without StateDirectory=, a test). */
export function ensureStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export interface ReplayGuard {
  /** What the last run left: the subscriber's floors. */
  start: ReplayState;
  /** Saves a verified snapshot's key id and sequence before it touches the table; throws when it cannot. */
  save: (keyId: string, seq: number, seqByKey: Readonly<Record<string, number>>) => void;
}

/**
 * The state directory's replay guard for a shim following `cluster`. A file
 * that cannot be read or parsed is said at error level, counted
 * (`vigil_shim_state_load_errors_total{reason}`), and the shim starts from 0:
 * refusing to start would leave the table unmanaged, and what could replay is
 * bounded by expiry (a snapshot lives a few seconds). The next applied
 * snapshot writes a good file again.
 */
export function replayGuard(
  dir: string,
  cluster: string,
  metrics: { define(name: string, type: 'counter' | 'gauge', help: string): void; inc(name: string, by?: number, labels?: Record<string, string>): void },
  faults: { fault(where: string, reason: string, detail?: string): void },
  log: (msg: string, fields?: Record<string, unknown>) => void,
): ReplayGuard {
  metrics.define('vigil_shim_state_load_errors_total', 'counter', 'Replay state files that could not be used at start, by reason (the shim started from sequence 0)');
  let loaded: LoadedReplay;
  try {
    ensureStateDir(dir);
    loaded = loadReplay(dir, cluster);
  } catch (err) {
    loaded = { ok: false, state: emptyReplay(cluster), reason: 'unreadable', detail: `${dir}: ${(err as Error).message}` };
  }
  if (loaded.ok) log('replay state', { dir, from: loaded.from, last: loaded.state.last, keys: Object.keys(loaded.state.seqByKey).length });
  else {
    metrics.inc('vigil_shim_state_load_errors_total', 1, { reason: loaded.reason });
    faults.fault('state', `load_${loaded.reason}`, loaded.detail);
    log('replay state not usable: starting from sequence 0', { level: 'error', dir, reason: loaded.reason, detail: loaded.detail });
  }
  const start = loaded.state;
  return {
    start,
    save(keyId, seq, seqByKey) {
      saveReplay(dir, { v: 1, cluster, seqByKey: { ...seqByKey }, last: { keyId, seq, atMs: Date.now() } });
    },
  };
}
