import { DurableObject } from 'cloudflare:workers';
import * as z from 'zod';
import { fail, type Outcome } from '../../core/errors.ts';
import { withDeadline } from './deadline.ts';
import { ClusterName } from './schemas.ts';

/** The one registry every Board and the cron address (idFromName). */
export const REGISTRY_NAME = 'clusters';
/**
 * Before the registry had a class of its own, the list lived in a Board by
 * this name (its meta row `clusters`, read through Board.listClusters). A
 * deployment that ran that version keeps it there until imported once.
 */
export const LEGACY_REGISTRY_BOARD = '__registry__';

const LEGACY_DEADLINE_MS = 5000;
/** A registry call waits at most this long (it may include the one-time import above). */
export const REGISTRY_DEADLINE_MS = LEGACY_DEADLINE_MS + 5000;

const ClusterRow = z.object({ name: z.string() });
const MetaRow = z.object({ value: z.string() });

function registry(env: Env): DurableObjectStub<ClusterRegistry> {
  return env.CLUSTER_REGISTRY.get(env.CLUSTER_REGISTRY.idFromName(REGISTRY_NAME));
}

/** Registers a cluster with the one registry (a Board, once it has a config). */
export async function registerCluster(env: Env, cluster: string): Promise<Outcome<void>> {
  return withDeadline<Outcome<void>>(registry(env).register(cluster), REGISTRY_DEADLINE_MS, 'ClusterRegistry.register');
}

/** Every registered cluster (the cron). */
export async function registeredClusters(env: Env): Promise<string[]> {
  return withDeadline(registry(env).list(), REGISTRY_DEADLINE_MS, 'ClusterRegistry.list');
}

/**
 * A Board's side of the registry: puts its cluster there once, remembered in
 * the Board's storage. It never refuses a config: the Probers get their plans
 * from the config itself and the cron only heals lost alarms, so a
 * registration that fails is tried again at the Board's next alarm (within a
 * minute). A Board from before the registry had a class registers the same way.
 */
export class Registration {
  private done: boolean;

  constructor(
    private readonly env: Env,
    private readonly store: { registered(): boolean; setRegistered(): void },
  ) {
    this.done = store.registered();
  }

  async ensure(cluster: string | undefined): Promise<void> {
    if (this.done || cluster === undefined) return;
    try {
      const r = await registerCluster(this.env, cluster);
      if (!r.ok) return console.warn(`board ${cluster}: not registered: ${r.error.message}`);
      this.store.setRegistered();
      this.done = true;
    } catch (err) {
      console.warn(`board ${cluster}: not registered (tried again at the next alarm): ${(err as Error).message}`);
    }
  }
}

/**
 * The clusters that exist, so the cron can reach every Board (and through
 * it every Prober) each minute. One instance (REGISTRY_NAME); a Board
 * registers its cluster once it has a config (registering is idempotent).
 * Names only grow: there is no cluster deletion in the API.
 *
 * The list the old `__registry__` Board kept is imported on first use, once:
 * the import is recorded only after it succeeded, so a Board that does not
 * answer is asked again on the next call (meanwhile the registry answers
 * with what it has, so the cron still reaches every cluster it knows).
 */
export class ClusterRegistry extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** One import at a time: calls that arrive while it runs wait for the same one. */
  private importing: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS clusters (name TEXT PRIMARY KEY, registered_at_ms INTEGER NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  }

  /** RPC: records a cluster (from its Board, once it has a config). */
  async register(cluster: string): Promise<Outcome<void>> {
    const name = ClusterName.safeParse(cluster);
    if (!name.success) return fail('ERR_BAD_REQUEST', `not a cluster name: ${JSON.stringify(cluster)}`, { path: 'cluster' });
    await this.importOnce();
    this.add(name.data, Date.now());
    return { ok: true, value: undefined };
  }

  /** RPC: every registered cluster, sorted (the cron). */
  async list(): Promise<string[]> {
    await this.importOnce();
    return this.sql
      .exec(`SELECT name FROM clusters ORDER BY name`)
      .toArray()
      .map((r) => ClusterRow.parse(r).name);
  }

  private add(name: string, atMs: number): void {
    this.sql.exec(`INSERT INTO clusters (name, registered_at_ms) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, atMs);
  }

  private importedAtMs(): number | null {
    const row = MetaRow.safeParse(this.sql.exec(`SELECT value FROM meta WHERE key = 'legacy_imported_at_ms'`).toArray()[0]);
    return row.success ? Number(row.data.value) : null;
  }

  /** Never throws: a failed import is logged and tried again on the next call. */
  private async importOnce(): Promise<void> {
    if (this.importedAtMs() !== null) return;
    this.importing ??= this.importLegacy()
      .catch((err) => console.warn(`cluster registry: the old ${LEGACY_REGISTRY_BOARD} Board's list was not imported (will retry): ${(err as Error).message}`))
      .finally(() => (this.importing = null));
    await this.importing;
  }

  private async importLegacy(): Promise<void> {
    const board = this.env.BOARD.get(this.env.BOARD.idFromName(LEGACY_REGISTRY_BOARD));
    const names = z.array(z.string()).parse(await withDeadline(board.listClusters(), LEGACY_DEADLINE_MS, `Board ${LEGACY_REGISTRY_BOARD}.listClusters`));
    const nowMs = Date.now();
    for (const n of names) {
      const name = ClusterName.safeParse(n);
      if (name.success) this.add(name.data, nowMs);
      else console.warn(`cluster registry: skipped ${JSON.stringify(n)} from the old list: not a cluster name`);
    }
    // In the same synchronous stretch as the inserts: SQLite commits them together.
    this.sql.exec(`INSERT INTO meta (key, value) VALUES ('legacy_imported_at_ms', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, String(nowMs));
  }
}
