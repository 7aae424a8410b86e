import { DurableObject } from 'cloudflare:workers';
import { configForProber } from '../../core/check/prober-assignment.ts';
import { effectiveTiming } from '../../core/config/effective.ts';
import type { Config } from '../../core/config/model.ts';
import type { TargetVerdict, Vote } from '../../core/vote/fold.ts';
import { assignTargets } from '../../core/vote/targets.ts';
import { foldCluster, type VerdictMemory } from '../../core/vote/verdict.ts';
import { freshnessWindows } from '../../core/vote/freshness.ts';
import { assignmentView, etagOf, formatOf, parseConfigUpload } from './config-input.ts';
import { fail, type Outcome } from '../../core/errors.ts';
import { BoardStore, SeqCounter, type ConfigRow, type StoredEvent } from './board-store.ts';
import { BoardVotes, maxSkewMs, refusal, skewRefusal, withinSkew } from './board-votes.ts';
import { VOTE_FLUSH_EVERY_MS } from './edge-timings.ts';
import { BoardProbers } from './board-probers.ts';
import { BoardShards, ProberHealth } from './board-shards.ts';
import { voteDetailOf, type VoteDetail } from '../../core/vote/vote-detail.ts';
import { summarizeConfig } from '../../core/vote/config-summary.ts';
import { VIEW_HISTORY_MS, VIEW_MAX_EVENTS, VIEW_MAX_REAL_SERVERS, type DashboardView, type LeaseView } from '../../core/vote/dashboard-view.ts';
import { ViewerFeed } from './viewer-feed.ts';
import { withDeadline } from './deadline.ts';
import type { SnapshotVirtualServer } from '../../core/vote/snapshot.ts';
import type { ConfigAccepted, VotesAccepted } from './schemas.ts';
import { Registration } from './cluster-registry.ts';
import { Publication, type Published } from './publication.ts';
import { BoardCounters, boardMetrics } from './board-metrics.ts';
import { BoardWebhooks, type LeaseMove } from './board-webhooks.ts';
import type { LeaseState } from '../../core/lease/lease.ts';

/** The lease half of a view waits this long for the LeaseKeeper; past it the view is not sent (the next fold tries again). */
const LEASE_VIEW_DEADLINE_MS = 3000;

interface Loaded {
  row: ConfigRow;
  config: Config;
  /** The config as core's assignment sees it (see assignmentView). */
  view: Config;
  /** target → vantage points assigned to it. */
  assigned: Map<string, Set<string>>;
  /** target → how long a vote on it stays fresh, from this config's timing (freshnessWindows). */
  freshForMs: Map<string, number>;
  refoldEveryMs: number;
}

/**
 * One per cluster: the config, the latest vote per (target, vantage point), the
 * verdict memory and the event history; it folds the votes into verdicts and
 * decides when a snapshot goes out, which its Publication signs and delivers
 * (long-poll, WebSocket). Every change of desired state becomes a new
 * snapshot. What must survive a restart is in storage: the config, the
 * sequence reservation (numbers keep growing), the verdict memory and events
 * (written with each change, before the push), and votes compacted every few
 * seconds. Votes themselves live in memory: writing one row per vote was most
 * of the edge's cost (see BoardVotes).
 */
export class Board extends DurableObject<Env> {
  private readonly store: BoardStore;
  private readonly probers: BoardProbers;
  private readonly shards: BoardShards;
  /** Re-plans run one at a time (a Prober's lag report, the cron, a config). */
  private planning: Promise<unknown> = Promise.resolve();
  private readonly seq: SeqCounter;
  private readonly votes: BoardVotes;
  private cfg: Loaded | undefined;
  private memory: VerdictMemory;
  /** The last fold's per-target verdicts with what each vantage point said (GET /votes). */
  private lastFold: { atMs: number; verdicts: Map<string, TargetVerdict>; virtualServers: SnapshotVirtualServer[] } | null = null;
  private readonly publication: Publication;
  /** Folds and publications run one at a time, so sequence numbers reach subscribers in order. */
  private chain: Promise<void> = Promise.resolve();
  private pendingFold: Promise<void> | null = null;
  private alarmAtMs: number | null = null;
  private readonly registration: Registration;
  private readonly counters = new BoardCounters();
  private readonly webhooks: BoardWebhooks;
  private readonly viewers: ViewerFeed;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new BoardStore(ctx.storage.sql);
    this.shards = new BoardShards(this.store);
    this.probers = new BoardProbers(env, this.store, this.shards);
    const c = this.store.currentConfig();
    if (c) this.cfg = this.load(c.row, c.config);
    this.seq = new SeqCounter(this.store);
    this.votes = new BoardVotes(ctx.storage.sql, VOTE_FLUSH_EVERY_MS, Date.now());
    this.memory = this.store.memory();
    this.publication = new Publication(ctx, env);
    this.registration = new Registration(env, this.store);
    this.webhooks = new BoardWebhooks(ctx.storage.sql);
    this.viewers = new ViewerFeed(ctx, () => this.dashboardView());
  }

  private load(row: ConfigRow, config: Config): Loaded {
    const view = assignmentView(config, this.env.EDGE_PRIVATE_TARGETS);
    const assigned = new Map(assignTargets(view).map((a) => [a.key, new Set(a.vantagePoints)]));
    // Re-fold at least once per shortest delay_loop (and once a minute) so a silent vantage point turns stale on time.
    let refoldEveryMs = 60_000;
    for (const vs of config.virtualServers) for (const rs of vs.realServers) for (const c of rs.checks) refoldEveryMs = Math.min(refoldEveryMs, effectiveTiming(vs, rs, c).delayLoopMs);
    refoldEveryMs = Math.max(1000, refoldEveryMs);
    return { row, config, view, assigned, freshForMs: freshnessWindows(view), refoldEveryMs };
  }

  // ── config ────────────────────────────────────────────────────────────

  async putConfig(cluster: string, text: string, contentType: string | null, ifMatch: string | null, configId: string | null): Promise<Outcome<ConfigAccepted>> {
    const have = this.cfg?.row.etag;
    if (ifMatch !== null && ifMatch.trim() !== '*' && !ifMatch.split(',').some((t) => t.trim() === have)) return fail('ERR_PRECONDITION_FAILED', `If-Match ${ifMatch} does not match the running config (${have ?? 'none'})`);
    if (ifMatch?.trim() === '*' && !have) return fail('ERR_PRECONDITION_FAILED', 'If-Match: * but there is no running config');
    const format = formatOf(contentType);
    const parsed = parseConfigUpload(cluster, text, format, configId ?? cluster, this.env.EDGE_PRIVATE_TARGETS);
    if (!parsed.ok) return fail('ERR_CONFIG', parsed.first, { errors: parsed.errors });
    const version = (this.cfg?.row.version ?? 0) + 1;
    const row: ConfigRow = { version, etag: etagOf(version, text), format, source: text, model: JSON.stringify(parsed.config), created_at_ms: Date.now() };
    this.store.addConfig(row);
    this.store.setConfigWarnings(version, parsed.warnings);
    this.store.setCluster(cluster);
    this.cfg = this.load(row, parsed.config);
    this.votes.keepOnly(new Set(this.cfg.assigned.keys()));
    this.addEvent({ seq: this.seq.current() + 1, kind: 'config', key: cluster, from: String(version - 1), to: String(version), atMs: Date.now(), detail: `${format}, ${parsed.warnings.length} warning(s)` });
    await this.registration.ensure(cluster);
    const probers = await this.configureProbers(cluster);
    await this.refold(true);
    return { ok: true, value: { version, etag: row.etag, warnings: parsed.warnings, probers } };
  }

  async getConfig(): Promise<Outcome<{ version: number; etag: string; format: string; source: string; config: Config }>> {
    if (!this.cfg) return fail('ERR_NOT_FOUND', 'this cluster has no config');
    const { row, config } = this.cfg;
    return { ok: true, value: { version: row.version, etag: row.etag, format: row.format, source: row.source, config } };
  }

  /** What a self-hosted prober needs: which real servers are its to check and only the config they need (configForProber). */
  async assignment(vantagePoint: string): Promise<Outcome<{ version: number; etag: string; config: Config; targets: string[] }>> {
    if (!this.cfg) return fail('ERR_NOT_FOUND', 'this cluster has no config');
    const vp = this.cfg.config.vigil.vantagePoints.find((v) => v.name === vantagePoint);
    if (!vp) return fail('ERR_NOT_FOUND', `vantage point ${vantagePoint} is not declared in the config`, { path: 'vantage' });
    const targets = [...this.cfg.assigned].filter(([, vps]) => vps.has(vantagePoint)).map(([k]) => k);
    return { ok: true, value: { version: this.cfg.row.version, etag: this.cfg.row.etag, config: configForProber(this.cfg.config, vantagePoint, new Set(targets)), targets } };
  }

  // ── votes ─────────────────────────────────────────────────────────────

  /** Votes posted over HTTP by self-hosted probers; `onlyAs` is the vantage point the token names (null: admin). */
  async submitVotes(votes: Vote[], onlyAs: string | null): Promise<Outcome<VotesAccepted>> {
    if (!this.cfg) return fail('ERR_NOT_FOUND', 'this cluster has no config');
    const forbidden = refusal(votes, this.cfg.config.vigil.vantagePoints, onlyAs);
    if (forbidden) this.counters.reject('forbidden', votes.length);
    const skewed = forbidden ? null : skewRefusal(votes, Date.now(), maxSkewMs(this.env.VOTE_MAX_SKEW_MS));
    if (skewed) this.counters.reject('clock_skew', votes.length);
    const refused = forbidden ?? skewed;
    if (refused) return refused;
    return { ok: true, value: await this.ingest(votes) };
  }

  /**
   * Votes from this cluster's own Prober Durable Objects; their latencies size
   * the shards. `health` comes only from a Prober that is behind: the Board
   * re-plans at once (not waiting for the cron), without holding the reply.
   */
  async submitEdgeVotes(cluster: string, vantagePoint: string, votes: Vote[], health?: ProberHealth): Promise<VotesAccepted> {
    if (!this.cfg || this.store.cluster() !== cluster) return { accepted: 0, ignored: votes.length, seq: this.seq.current() };
    // The same clock bound as posted votes; a Prober's batch is not refused whole, its strays are dropped and counted (ignored).
    const nowMs = Date.now();
    const skewMs = maxSkewMs(this.env.VOTE_MAX_SKEW_MS);
    const own = votes.filter((v) => v.vantagePoint === vantagePoint);
    const mine = own.filter((v) => withinSkew(v, nowMs, skewMs));
    this.counters.reject('other_vantage_point', votes.length - own.length);
    this.counters.reject('clock_skew', own.length - mine.length);
    if (mine.length < votes.length) console.warn(`board ${cluster}: ${votes.length - mine.length} edge vote(s) from ${vantagePoint} dropped (another vantage point, or atMs more than ${skewMs} ms from the Board's clock)`);
    this.shards.observe(mine);
    const h = health === undefined ? undefined : ProberHealth.safeParse(health);
    if (h?.success) {
      if (this.shards.report(vantagePoint, h.data, Date.now(), this.cfg.config, this.cfg.view)) this.ctx.waitUntil(this.configureProbers(cluster).catch((err) => console.warn(`board ${cluster}: re-plan failed: ${(err as Error).message}`)));
    }
    const out = await this.ingest(mine);
    return { ...out, ignored: out.ignored + votes.length - mine.length };
  }

  private configureProbers(cluster: string): Promise<number> {
    const run = this.planning.then(() => (this.cfg ? this.probers.configure(cluster, this.cfg.config, this.cfg.view, this.cfg.row.version) : 0));
    this.planning = run.catch(() => undefined);
    return run;
  }

  /** Each edge vantage point's placement: shard → real servers. */
  async shardPlacement(): Promise<Record<string, Record<number, string[]>>> {
    if (this.cfg && !this.shards.hasPlan()) this.shards.planAll(this.cfg.config, this.cfg.view, Date.now());
    return this.shards.placement();
  }

  private async ingest(votes: Vote[]): Promise<VotesAccepted> {
    let accepted = 0;
    for (const v of votes) {
      if (!this.cfg?.assigned.get(v.target)?.has(v.vantagePoint)) continue;
      accepted++;
      this.votes.put(v);
    }
    this.counters.ingested += accepted;
    this.counters.reject('unassigned', votes.length - accepted);
    if (accepted > 0) await this.refoldSoon();
    return { accepted, ignored: votes.length - accepted, seq: this.publication.seq ?? this.seq.current() };
  }

  // ── verdicts ──────────────────────────────────────────────────────────

  /** The newest snapshot if its sequence is past `since`; else waits up to waitMs for one (null on timeout). */
  async verdict(since: number, waitMs: number): Promise<Outcome<Published | null>> {
    if (!this.cfg) return fail('ERR_NOT_FOUND', 'this cluster has no config');
    if (this.publication.stale(Date.now())) await this.refoldSoon();
    return { ok: true, value: await this.publication.after(since, waitMs) };
  }

  async events(since: number, limit: number): Promise<Outcome<StoredEvent[]>> {
    if (!this.cfg) return fail('ERR_NOT_FOUND', 'this cluster has no config');
    return { ok: true, value: this.store.events(since, limit) };
  }

  /** What each vantage point said about each real server at the latest fold: the detail lean snapshots leave out. */
  async voteDetail(): Promise<Outcome<VoteDetail>> {
    if (!this.cfg) return fail('ERR_NOT_FOUND', 'this cluster has no config');
    await this.refoldSoon();
    return { ok: true, value: voteDetailOf(this.lastFold?.verdicts ?? new Map(), this.lastFold?.atMs ?? Date.now(), this.publication.seq ?? this.seq.current()) };
  }

  /** GET …/view and the viewers' frames: what the dashboard shows (core/vote/dashboard-view.ts), bounded. */
  async view(): Promise<Outcome<DashboardView>> {
    if (!this.cfg) return fail('ERR_NOT_FOUND', 'this cluster has no config');
    await this.refoldSoon();
    return { ok: true, value: (await this.dashboardView())! };
  }

  private async dashboardView(): Promise<DashboardView | null> {
    const cfg = this.cfg;
    if (!cfg) return null;
    const { row, config } = cfg;
    const cluster = this.store.cluster() ?? '';
    const leases = config.vigil.cloudBindings.length === 0 ? { bindings: [], directors: [] } : await this.leaseView(cluster, config.vigil.cloudBindings);
    const nowMs = Date.now();
    const { summary, leftOut } = summarizeConfig(config, { version: row.version, etag: row.etag, createdAtMs: row.created_at_ms, format: row.format, warnings: this.store.configWarnings(row.version) });
    const history = this.store.recentEvents(nowMs - VIEW_HISTORY_MS, VIEW_MAX_EVENTS);
    const fold = this.lastFold;
    const votes = voteDetailOf(fold?.verdicts ?? new Map(), fold?.atMs ?? nowMs, this.publication.seq ?? this.seq.current(), VIEW_MAX_REAL_SERVERS);
    return { cluster, nowMs, config: summary, snapshot: this.publication.latest, votes, events: history.events, leases, truncated: { realServers: leftOut, events: history.leftOut } };
  }

  private leaseView(cluster: string, bindings: Config['vigil']['cloudBindings']): Promise<LeaseView> {
    const keeper = this.env.LEASE_KEEPER.get(this.env.LEASE_KEEPER.idFromName(cluster));
    return withDeadline<LeaseView>(keeper.leaseView(bindings.map((b) => ({ name: b.name, kind: b.kind }))), LEASE_VIEW_DEADLINE_MS, 'LeaseKeeper.leaseView');
  }

  /**
   * GET /metrics: the Prometheus text for this cluster (board-metrics.ts);
   * `leases` comes from the cluster's LeaseKeeper. It reports what was last
   * folded and published, and folds only when nothing has been published
   * since this object started, so a stalled Board shows as an ageing snapshot.
   */
  async metrics(leases: Record<string, LeaseState>): Promise<Outcome<string>> {
    if (!this.cfg) return fail('ERR_NOT_FOUND', 'this cluster has no config');
    if (this.publication.seq === undefined) await this.refoldSoon();
    const cfg = this.cfg;
    return {
      ok: true,
      value: boardMetrics({
        cluster: this.store.cluster() ?? 'unknown',
        nowMs: Date.now(),
        configVersion: cfg.row.version,
        vantagePoints: cfg.config.vigil.vantagePoints.map((v) => v.name),
        assigned: cfg.assigned,
        verdicts: this.lastFold?.verdicts ?? new Map(),
        virtualServers: this.lastFold?.virtualServers ?? [],
        latest: this.votes.latest,
        published: await this.publication.after(0, 0),
        counters: this.counters,
        leases,
        webhooks: this.webhooks.counts(cfg.config),
      }),
    };
  }

  /** GET /webhooks: each webhook (URL origin only), its deliveries by state, the newest deliveries. */
  async webhookStatus(): Promise<Outcome<ReturnType<BoardWebhooks['outbox']['status']>>> {
    if (!this.cfg) return fail('ERR_NOT_FOUND', 'this cluster has no config');
    return { ok: true, value: this.webhooks.outbox.status(this.cfg.config.vigil.alertWebhooks) };
  }

  /** From the LeaseKeeper: leases granted to another director, for the lease_moved webhook event. */
  async leaseMoved(moves: LeaseMove[]): Promise<number> {
    if (!this.cfg) return 0;
    const n = this.webhooks.leaseMoved(this.store.cluster() ?? 'unknown', this.cfg.config, moves);
    if (n > 0) await this.armAlarm(true);
    return n;
  }

  private refoldSoon(): Promise<void> {
    if (!this.pendingFold) {
      const run = this.chain.then(async () => {
        this.pendingFold = null;
        await this.refold(false);
      });
      this.pendingFold = run;
      this.chain = run.catch((err) => console.error(`board: fold failed: ${(err as Error).message}`));
    }
    return this.pendingFold;
  }

  /** Folds the latest votes; publishes a new snapshot when the desired state or config changed, or re-issue is due. */
  private async refold(force: boolean): Promise<void> {
    const cfg = this.cfg;
    if (!cfg) return;
    const now = Date.now();
    const f = foldCluster(cfg.view, this.votes.latest, this.memory, now, cfg.freshForMs);
    this.lastFold = { atMs: now, verdicts: f.verdicts, virtualServers: f.virtualServers };
    const publish = force || this.publication.due(cfg.row.version, f.virtualServers, now);
    // Events and the verdict memory are written only when something changed,
    // and before the push (the output gate holds the sends until they are
    // durable): a shim must never act on a state a restarted Board would not
    // hold. Steady folds write nothing.
    for (const t of f.transitions) this.addEvent({ seq: this.seq.current() + 1, kind: t.kind, key: t.key, from: t.from, to: t.to, atMs: t.atMs, votes: t.votes });
    if (f.transitions.length > 0 || JSON.stringify(f.memory) !== JSON.stringify(this.memory)) this.store.setMemory(f.memory);
    this.webhooks.onFold(this.store.cluster() ?? 'unknown', cfg.config, f.transitions, f.verdicts, cfg.assigned, now);
    this.memory = f.memory;
    // A storage write only once per SEQ_BLOCK snapshots (see SeqCounter).
    if (publish) await this.publication.issue(this.store.cluster() ?? 'unknown', this.seq.next(), cfg.row.version, f.virtualServers, now);
    this.viewers.changed(f.transitions.length > 0 || force);
    // After the sends: a compaction never holds a push.
    this.votes.flush(now);
    await this.armAlarm();
  }

  private addEvent(e: Omit<StoredEvent, 'id'>): void {
    this.store.addEvent(e, Number(this.env.EVENTS_MAX_AGE_MS) || 7 * 86_400_000, Number(this.env.EVENTS_MAX) || 2000);
  }

  /** `force`: set even when an alarm is pending later (a webhook delivery just queued must not wait for it). */
  private async armAlarm(force = false): Promise<void> {
    const reissueAtMs = this.publication.reissueAtMs;
    if (!this.cfg || reissueAtMs === null) return;
    const want = Math.min(reissueAtMs, Date.now() + this.cfg.refoldEveryMs, this.votes.flushDueAtMs() ?? Infinity, this.webhooks.outbox.nextDueMs() ?? Infinity);
    if (!force && this.alarmAtMs !== null && this.alarmAtMs <= want && this.alarmAtMs > Date.now()) return;
    this.alarmAtMs = want;
    await this.ctx.storage.setAlarm(want);
  }

  override async alarm(): Promise<void> {
    this.alarmAtMs = null;
    if (!this.cfg) return;
    await this.refoldSoon();
    await this.registration.ensure(this.store.cluster());
    // Webhooks after the fold (which queues its own events); a failed delivery is its row's state, never the alarm's.
    await this.webhooks.outbox.deliverDue(this.cfg.config.vigil.alertWebhooks, this.env as unknown as Record<string, unknown>, Date.now());
    if (this.webhooks.outbox.nextDueMs() !== null) await this.armAlarm(true);
  }

  // ── subscribers (hibernatable WebSockets) ─────────────────────────────

  /** Shims (…/stream) and viewers (…/watch, already authenticated by the Worker's route). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return Response.json({ code: 'ERR_UPGRADE_REQUIRED', message: 'WebSocket upgrade expected' }, { status: 426 });
    if (!this.cfg) return Response.json({ code: 'ERR_NOT_FOUND', message: 'this cluster has no config' }, { status: 404 });
    if (new URL(request.url).pathname.endsWith('/watch')) {
      await this.refoldSoon();
      return this.viewers.subscribe();
    }
    const { response, fresh } = this.publication.subscribe(Date.now());
    if (!fresh) this.ctx.waitUntil(this.refoldSoon());
    return response;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.publication.onMessage(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.publication.onClose(ws, code);
  }

  // ── cron and registry ─────────────────────────────────────────────────

  /** Called by the cron every minute: re-sends the Prober plans (which re-arms lost alarms) and this Board's own alarm. */
  async rearm(): Promise<{ probers: number }> {
    if (!this.cfg) return { probers: 0 };
    const probers = await this.configureProbers(this.store.cluster() ?? '');
    this.alarmAtMs = null;
    await this.refoldSoon();
    return { probers };
  }

  /**
   * The cluster list of the Board named `__registry__` (cluster-registry.ts
   * LEGACY_REGISTRY_BOARD), where it was kept before ClusterRegistry existed:
   * read once by ClusterRegistry's import; nothing writes it any more.
   */
  /** A dashboard link's one-time code: true the first time, false ever after (kept in this cluster's storage). */
  async claimOneTimeCode(id: string): Promise<boolean> {
    const key = `one-time-code-used:${id}`;
    if (await this.ctx.storage.get(key)) return false;
    await this.ctx.storage.put(key, Date.now());
    return true;
  }

  async listClusters(): Promise<string[]> {
    return this.store.clusters();
  }
}
