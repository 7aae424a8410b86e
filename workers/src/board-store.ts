import * as z from 'zod';
import type { Config } from '../../core/config/model.ts';
import { parseStoredConfig } from '../../core/config/stored.ts';
import type { VerdictMemory } from '../../core/vote/verdict.ts';
import { StoredEvent } from '../../core/vote/event.ts';

/** The event row's schema lives in core (the dashboard parses it too). */
export { StoredEvent };

/**
 * The Board's SQLite tables. Every row read back is parsed with zod: storage
 * written by an older version of this code is input like any other.
 */
export const ConfigRow = z.object({
  version: z.number().int().min(1),
  etag: z.string(),
  format: z.enum(['keepalived', 'json']),
  source: z.string(),
  model: z.string(),
  created_at_ms: z.number(),
});
export type ConfigRow = z.infer<typeof ConfigRow>;


const Memory = z.object({ targets: z.record(z.string(), z.enum(['up', 'down'])), quorum: z.record(z.string(), z.boolean()) });
const ProberNames = z.array(z.object({ name: z.string(), region: z.string().optional() }));
export type ProberNames = z.infer<typeof ProberNames>;

const CONFIG_VERSIONS_KEPT = 20;

/**
 * A Durable Object's SQLite refuses a string, blob or row past 2 MB
 * (SQLITE_TOOBIG), and a 12,000-real-server config is 3 MB of source and 4 MB
 * of model. Both are stored in parts of at most this many UTF-16 code units:
 * at most 3 UTF-8 bytes each, so a part stays under 1.6 MB.
 */
export const CONFIG_PART_UNITS = 512 * 1024;

/** Cuts text into parts, never between the two halves of a surrogate pair (which SQLite would store mangled). */
export function splitText(text: string, units = CONFIG_PART_UNITS): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + units);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    parts.push(text.slice(i, end));
    i = end;
  }
  return parts;
}

const ConfigPart = z.object({ part: z.enum(['source', 'model']), idx: z.number().int().min(0), data: z.string() });

export class BoardStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS config (version INTEGER PRIMARY KEY, etag TEXT NOT NULL, format TEXT NOT NULL, source TEXT NOT NULL, model TEXT NOT NULL, created_at_ms INTEGER NOT NULL)`);
    // A config's source and model in parts (see CONFIG_PART_UNITS); rows written before parts existed keep them inline in `config`.
    sql.exec(`CREATE TABLE IF NOT EXISTS config_part (version INTEGER NOT NULL, part TEXT NOT NULL, idx INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (version, part, idx))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS meta_part (key TEXT NOT NULL, idx INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, idx))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, event TEXT NOT NULL)`);
  }

  private meta<T>(key: string, schema: z.ZodType<T>): T | undefined {
    const parts = this.sql.exec<{ value: string }>(`SELECT value FROM meta_part WHERE key = ? ORDER BY idx`, key).toArray();
    const text = parts.length ? parts.map((p) => p.value).join('') : this.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray()[0]?.value;
    if (text === undefined) return undefined;
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * Small values stay one row; a value past one part (the verdict memory or
   * shard plan of a cluster with tens of thousands of real servers) is stored
   * in parts, for the same 2 MB cap as configs.
   */
  private setMeta(key: string, value: unknown): void {
    const parts = splitText(JSON.stringify(value));
    this.sql.exec(`DELETE FROM meta_part WHERE key = ?`, key);
    if (parts.length === 1) {
      this.sql.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, parts[0]!);
      return;
    }
    this.sql.exec(`DELETE FROM meta WHERE key = ?`, key);
    parts.forEach((part, idx) => this.sql.exec(`INSERT INTO meta_part (key, idx, value) VALUES (?, ?, ?)`, key, idx, part));
  }

  cluster(): string | undefined {
    return this.meta('cluster', z.string());
  }
  setCluster(name: string): void {
    this.setMeta('cluster', name);
  }

  /**
   * The highest sequence number that may have been handed out: the Board
   * reserves numbers in blocks (see SeqCounter), so this is at or past the
   * last one published, and the next Board to start takes one more.
   */
  seq(): number {
    return this.meta('seq', z.number().int().min(0)) ?? 0;
  }
  setSeq(seq: number): void {
    this.setMeta('seq', seq);
  }

  memory(): VerdictMemory {
    return this.meta('memory', Memory) ?? { targets: {}, quorum: {} };
  }
  setMemory(m: VerdictMemory): void {
    this.setMeta('memory', m);
  }

  /** The edge shard plan (board-shards.ts), written only when it changes. */
  shardPlan<T>(schema: z.ZodType<T>): T | undefined {
    return this.meta('shards', schema);
  }
  setShardPlan(plan: unknown): void {
    this.setMeta('shards', plan);
  }

  probers(): ProberNames {
    return this.meta('probers', ProberNames) ?? [];
  }
  setProbers(p: ProberNames): void {
    this.setMeta('probers', p);
  }

  /** Only in the Board named `__registry__`, by the version before ClusterRegistry: read for its one-time import. */
  clusters(): string[] {
    return this.meta('clusters', z.array(z.string())) ?? [];
  }

  /** Whether ClusterRegistry has this cluster (so a Board registers once, not with every config). */
  registered(): boolean {
    return this.meta('registered', z.boolean()) ?? false;
  }
  setRegistered(): void {
    this.setMeta('registered', true);
  }

  currentConfig(): { row: ConfigRow; config: Config } | undefined {
    const raw = this.sql.exec(`SELECT * FROM config ORDER BY version DESC LIMIT 1`).toArray()[0];
    if (!raw) return undefined;
    const row = ConfigRow.parse(raw);
    const parts = { source: [] as string[], model: [] as string[] };
    for (const p of this.sql.exec(`SELECT part, idx, data FROM config_part WHERE version = ? ORDER BY part, idx`, row.version).toArray()) {
      const part = ConfigPart.parse(p);
      if (part.idx !== parts[part.part].length) throw new Error(`config version ${row.version}: ${part.part} part ${parts[part.part].length} is missing`);
      parts[part.part].push(part.data);
    }
    const full = parts.source.length ? { ...row, source: parts.source.join(''), model: parts.model.join('') } : row;
    return { row: full, config: parseStoredConfig(JSON.parse(full.model)) };
  }

  /**
   * Stores a config version with its source and model in parts. All writes
   * happen in one synchronous run, which a Durable Object commits at once: a
   * reader never sees a version without all its parts.
   */
  addConfig(row: ConfigRow): void {
    this.sql.exec(`INSERT INTO config (version, etag, format, source, model, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)`, row.version, row.etag, row.format, '', '', row.created_at_ms);
    for (const part of ['source', 'model'] as const) {
      splitText(row[part]).forEach((data, idx) => this.sql.exec(`INSERT INTO config_part (version, part, idx, data) VALUES (?, ?, ?, ?)`, row.version, part, idx, data));
    }
    this.sql.exec(`DELETE FROM config WHERE version <= ?`, row.version - CONFIG_VERSIONS_KEPT);
    this.sql.exec(`DELETE FROM config_part WHERE version <= ?`, row.version - CONFIG_VERSIONS_KEPT);
  }

  addEvent(e: Omit<StoredEvent, 'id'>, maxAgeMs: number, maxCount: number): void {
    this.sql.exec(`INSERT INTO events (at_ms, event) VALUES (?, ?)`, e.atMs, JSON.stringify(e));
    this.sql.exec(`DELETE FROM events WHERE at_ms < ? OR id <= (SELECT MAX(id) FROM events) - ?`, e.atMs - maxAgeMs, maxCount);
  }

  events(sinceId: number, limit: number): StoredEvent[] {
    return this.parseEvents(this.sql.exec<{ id: number; event: string }>(`SELECT id, event FROM events WHERE id > ? ORDER BY id LIMIT ?`, sinceId, limit).toArray());
  }

  /** The newest `limit` events at or after `sinceMs`, oldest first, and how many more there were in that time. */
  recentEvents(sinceMs: number, limit: number): { events: StoredEvent[]; leftOut: number } {
    const rows = this.sql.exec<{ id: number; event: string }>(`SELECT id, event FROM events WHERE at_ms >= ? ORDER BY id DESC LIMIT ?`, sinceMs, limit).toArray();
    const total = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE at_ms >= ?`, sinceMs).one().n;
    return { events: this.parseEvents(rows.reverse()), leftOut: Math.max(0, total - rows.length) };
  }

  /** The warnings config `version` was accepted with (null: stored before they were kept, or another version's). */
  configWarnings(version: number): string[] | null {
    const w = this.meta('config_warnings', z.object({ version: z.number().int(), warnings: z.array(z.string()) }));
    return w?.version === version ? w.warnings : null;
  }
  setConfigWarnings(version: number, warnings: string[]): void {
    this.setMeta('config_warnings', { version, warnings });
  }

  private parseEvents(rows: { id: number; event: string }[]): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (const r of rows) {
      const e = StoredEvent.safeParse({ ...JSON.parse(r.event), id: r.id });
      if (e.success) out.push(e.data);
    }
    return out;
  }
}

/**
 * Sequence numbers from a reservation: one row written per SEQ_BLOCK
 * snapshots instead of one per snapshot, and never between a flip and its
 * push. A restart starts past the whole reserved block, so numbers only grow
 * (gaps are harmless: consumers only need each to be larger than the last).
 */
export const SEQ_BLOCK = 1000;
export class SeqCounter {
  private last: number;
  private reserved: number;

  constructor(private readonly store: BoardStore) {
    this.reserved = store.seq();
    this.last = this.reserved;
  }

  /** The last number handed out. */
  current(): number {
    return this.last;
  }

  /** The next number; writes a new reservation only when the block is used up. */
  next(): number {
    const seq = this.last + 1;
    if (seq > this.reserved) {
      this.reserved = seq + SEQ_BLOCK - 1;
      this.store.setSeq(this.reserved);
    }
    this.last = seq;
    return seq;
  }
}
