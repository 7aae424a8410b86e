import type { Config } from '../../core/config/model.ts';
import { desiredFromSnapshot } from '../../core/ipvs/desired-from-snapshot.ts';
import { desiredTable } from '../../core/ipvs/desired-table.ts';
import { initialFailStatic, onSnapshot, onTick, type FailStaticAction, type FailStaticState } from '../../core/ipvs/fail-static.ts';
import { lvsNotifications, type LvsNotification } from '../../core/ipvs/notify-format.ts';
import type { VirtualServer } from '../../core/config/lvs.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import { virtualServerKey } from '../../core/vote/targets.ts';
import { foldVirtualServer, type DesiredVirtualServer, type RealServerInput } from '../../core/vote/virtual-server.ts';
import type { IpvsTable } from '../../core/ipvs/table.ts';
import type { IpvsBackend } from '../ipvs/backend.ts';
import { reconcile, type ReconcileResult } from '../ipvs/reconcile.ts';
import { Faults } from './faults.ts';
import { LocalVerdicts } from './local-verdicts.ts';
import { LvsNotifier } from './lvs-notifier.ts';
import type { Metrics } from './metrics.ts';
import type { IpvsStatus } from '../../core/status/shim-status.ts';

export interface IpvsDaemonOptions {
  backend: IpvsBackend;
  /** Monotonic, for the local checks' scheduler. */
  clock: Clock;
  /** Wall-clock milliseconds: snapshot expiry and issue times are the Board's wall times. Date.now by default. */
  wallNowMs?: () => number;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  metrics: Metrics;
  /** --local: the shim's own checks decide from the start; no Board. */
  localOnly?: boolean;
  /** Held this long without a valid snapshot, local checks take over; undefined: hold for ever. */
  localAfterMs?: number;
  /** Re-read and repair drift this often while someone valid decides. */
  resyncEveryMs?: number;
  tickEveryMs?: number;
  notifyScriptTimeoutMs?: number;
  /** smtp_alert mail for the same changes as the notify scripts (shim/mail/mail-alerts.ts). */
  alerts?: { lvs(vs: VirtualServer, n: LvsNotification): void; lvsStart(vs: VirtualServer, quorumUp: boolean, aliveWeight: number): void } | null;
  /** After a failed pass, the next one (a fresh read) comes this long later, doubling up to resyncEveryMs. */
  retryBaseMs?: number;
  /** Where faults are counted and logged once per burst; one of its own on `metrics` otherwise. */
  faults?: Faults;
}

/**
 * The IPVS half of the director: decides who is in charge (fail-static),
 * takes their decision (the Board's snapshot mapped onto the local config's
 * services as it stands, or, with no Board, the local checks folded by the
 * same foldVirtualServer the Board uses), sends keepalived's notifications,
 * and reconciles the kernel table. While nobody valid decides, the table is
 * not read, not repaired, not touched.
 */
export class IpvsDaemon {
  private fs: FailStaticState;
  private decided = new Map<string, DesiredVirtualServer>();
  private lastSnapshot: Snapshot | null = null;
  private local: LocalVerdicts | null = null;
  private notifier: LvsNotifier;
  private timers: NodeJS.Timeout[] = [];
  private busy: Promise<void> = Promise.resolve();
  private dirty = false;
  private pendingRemove = new Set<string>();
  private stopped = false;
  /** The table as our last successful pass left it; dropped to force a fresh read (resync timer, any failure). */
  private observed: IpvsTable | undefined;
  /** How the last reconcile pass ended, for the status file. */
  private lastPass: { atMs: number; ok: boolean; pendingOps: number; error: string | null; stage: 'read' | 'apply' | null } | null = null;
  /**
   * Services this process created or took over by applying a verdict (a pass that succeeded with them
   * in the desired table): the only ones a stop or a reload may remove. A service that was in the
   * kernel before (keepalived's, say) and never had a verdict applied stays whatever happens.
   */
  private readonly owned = new Set<string>();
  private readonly faults: Faults;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAttempt = 0;
  private firstPassDone: () => void = () => {};
  /** Settles when the first reconcile pass has ended (applied or failed): start-up is over for the table. */
  readonly firstPass = new Promise<void>((resolve) => (this.firstPassDone = resolve));

  constructor(
    private config: Config,
    private readonly o: IpvsDaemonOptions,
  ) {
    this.fs = initialFailStatic((o.wallNowMs ?? Date.now)(), o.localOnly);
    this.notifier = new LvsNotifier(config, o.log, o.notifyScriptTimeoutMs);
    this.faults = o.faults ?? new Faults(o.metrics, o.log);
    const m = o.metrics;
    m.define('vigil_shim_snapshot_age_seconds', 'gauge', 'Age of the snapshot in force (since the Board issued it); NaN before the first');
    m.define('vigil_shim_applied_sequence', 'gauge', 'Sequence number of the last snapshot applied');
    m.define('vigil_shim_mode', 'gauge', 'Who decides the IPVS table: 1 for the current mode');
    m.define('vigil_shim_ipvs_operations_total', 'counter', 'IPVS table operations applied, by kind');
    m.define('vigil_shim_ipvs_errors_total', 'counter', 'Failed IPVS reads or applies, by stage');
    m.define('vigil_shim_ipvs_reconciles_total', 'counter', 'Reconcile passes run');
    m.define('vigil_shim_ipvs_last_reconcile_duration_seconds', 'gauge', 'Duration of the last reconcile pass (read + apply)');
    m.define('vigil_shim_ipvs_services', 'gauge', "This config's IPVS services: desired (from the verdicts in force) and in the kernel after the last successful pass");
    m.define('vigil_shim_ipvs_real_servers', 'gauge', "Real servers (destinations) of this config's services: desired, and in the kernel after the last successful pass");
    m.define('vigil_shim_ipvs_owned_services', 'gauge', 'Services this process created or took over: what a stop may release');
    m.collect(() => {
      m.set('vigil_shim_ipvs_owned_services', this.owned.size);
      m.set('vigil_shim_snapshot_age_seconds', this.lastSnapshot ? (this.now() - this.lastSnapshot.issuedAtMs) / 1000 : NaN);
      m.set('vigil_shim_applied_sequence', this.lastSnapshot?.seq ?? 0);
      for (const mode of ['waiting', 'board', 'holding', 'local']) m.set('vigil_shim_mode', this.fs.mode === mode ? 1 : 0, { mode });
    });
  }

  private now(): number {
    return (this.o.wallNowMs ?? Date.now)();
  }

  mode(): FailStaticState['mode'] {
    return this.fs.mode;
  }

  start(): void {
    this.o.log('ipvs starting', { mode: this.fs.mode, backend: this.o.backend.kind, virtualServers: this.config.virtualServers.length });
    if (this.fs.mode === 'local') this.startLocal(new Map());
    this.timers.push(setInterval(() => this.tick(), this.o.tickEveryMs ?? 1000));
    this.timers.push(
      setInterval(() => {
        if (!this.deciding()) return;
        this.observed = undefined;
        void this.requestReconcile();
      }, this.o.resyncEveryMs ?? 30_000),
    );
  }

  /** A snapshot that passed verification (BoardSubscriber does that). */
  acceptSnapshot(s: Snapshot): void {
    const r = onSnapshot(this.fs, s.expiresAtMs, this.now());
    this.transition(r.state, r.action);
    if (r.action !== 'apply-board') return;
    this.lastSnapshot = s;
    const byKey = new Map(s.virtualServers.map((v) => [v.key, v]));
    const next = new Map<string, DesiredVirtualServer>();
    for (const vs of this.config.virtualServers) {
      const key = virtualServerKey(vs);
      const d = desiredFromSnapshot(vs, byKey.get(key));
      if (d) next.set(key, d);
      else if (this.decided.has(key)) next.set(key, this.decided.get(key)!);
    }
    this.setDecided(next);
  }

  private tick(): void {
    const r = onTick(this.fs, this.now(), { localAfterMs: this.o.localAfterMs });
    this.transition(r.state, r.action);
  }

  private transition(next: FailStaticState, action: FailStaticAction): void {
    const prev = this.fs.mode;
    this.fs = next;
    if (prev !== next.mode) {
      this.o.log('ipvs mode', { from: prev, to: next.mode, action });
      // Whatever happened to the table while someone else (or no one) decided, the next pass reads it afresh.
      this.observed = undefined;
    }
    if (action === 'start-local') this.startLocal(this.seedFromDecided());
    if (action === 'apply-board' && this.local) {
      this.local.stop();
      this.local = null;
      this.o.log('local checks stopped: the Board decides again');
    }
  }

  private deciding(): boolean {
    return this.fs.mode === 'board' || this.fs.mode === 'local';
  }

  /** The Board's last word, per real server, as the local checks' starting point. */
  private seedFromDecided(): Map<string, RealServerInput> {
    const seed = new Map<string, RealServerInput>();
    for (const d of this.decided.values()) for (const r of d.realServers) if (!r.sorry) seed.set(r.key, { alive: r.alive });
    return seed;
  }

  private startLocal(seed: Map<string, RealServerInput>): void {
    this.local?.stop();
    const lv = new LocalVerdicts(this.config, seed, this.o.clock, (inputs) => this.foldLocal(inputs));
    this.local = lv;
    this.o.log('local checks started', { seeded: seed.size });
    this.foldLocal(lv.current());
    lv.start();
  }

  private foldLocal(inputs: ReadonlyMap<string, RealServerInput>): void {
    if (this.fs.mode !== 'local') return;
    const next = new Map<string, DesiredVirtualServer>();
    for (const vs of this.config.virtualServers) {
      const key = virtualServerKey(vs);
      next.set(key, foldVirtualServer(vs, inputs, this.decided.get(key)?.quorumUp));
    }
    this.setDecided(next);
  }

  private setDecided(next: Map<string, DesiredVirtualServer>): void {
    for (const vs of this.config.virtualServers) {
      const key = virtualServerKey(vs);
      const after = next.get(key);
      if (!after) continue;
      if (!this.decided.has(key)) this.o.alerts?.lvsStart(vs, after.quorumUp, after.aliveWeight);
      for (const n of lvsNotifications(vs, this.decided.get(key), after)) {
        this.notifier.notify(n);
        this.o.alerts?.lvs(vs, n);
      }
    }
    this.decided = next;
    this.requestReconcile();
  }

  /**
   * One reconcile at a time; requests during one coalesce into one more pass. The chain never
   * rejects: whatever a pass throws is counted, and the next pass starts from a fresh read.
   */
  requestReconcile(): Promise<void> {
    this.dirty = true;
    this.busy = this.busy
      .then(async () => {
        if (!this.dirty) return;
        this.dirty = false;
        await this.reconcileNow();
      })
      .catch((err: unknown) => this.failed({ ok: false, stage: 'apply', code: 'threw', message: err instanceof Error ? err.message : String(err), ops: [] }));
    return this.busy;
  }

  private async reconcileNow(): Promise<void> {
    if (!this.deciding() && this.pendingRemove.size === 0) return;
    const { table, problems } = desiredTable(this.config, this.deciding() ? this.decided : new Map());
    for (const p of problems) this.o.log('ipvs config problem', { problem: p });
    const remove = [...this.pendingRemove];
    const t0 = performance.now();
    // Anything unknown about the table after a failure (a read that threw, a batch cut short): the next pass reads it.
    const observed = this.observed;
    this.observed = undefined;
    const r = await reconcile(this.o.backend, table, remove, AbortSignal.timeout(30_000), observed).finally(() => this.firstPassDone());
    this.lastPass = r.ok ? { atMs: this.now(), ok: true, pendingOps: 0, error: null, stage: null } : { atMs: this.now(), ok: false, pendingOps: r.ops.length, error: r.message, stage: r.stage };
    const m = this.o.metrics;
    m.inc('vigil_shim_ipvs_reconciles_total');
    m.set('vigil_shim_ipvs_last_reconcile_duration_seconds', (performance.now() - t0) / 1000);
    m.set('vigil_shim_ipvs_services', table.size, { table: 'desired' });
    m.set('vigil_shim_ipvs_real_servers', [...table.values()].reduce((n, e) => n + e.dests.length, 0), { table: 'desired' });
    if (!r.ok) return this.failed(r);
    const ours = [...table.keys()].flatMap((id) => r.after.get(id) ?? []);
    m.set('vigil_shim_ipvs_services', ours.length, { table: 'kernel' });
    m.set('vigil_shim_ipvs_real_servers', ours.reduce((n, e) => n + e.dests.length, 0), { table: 'kernel' });
    this.observed = r.after;
    this.retryAttempt = 0;
    this.faults.ok('ipvs');
    for (const x of remove) {
      this.pendingRemove.delete(x);
      this.owned.delete(x);
    }
    for (const id of table.keys()) this.owned.add(id);
    for (const op of r.ops) m.inc('vigil_shim_ipvs_operations_total', 1, { op: op.op });
    if (r.ops.length) this.o.log('ipvs applied', { ops: r.ops.length, readMs: Math.round(r.readMs), applyMs: Math.round(r.applyMs), seq: this.lastSnapshot?.seq });
  }

  /** status() serialised, kept until what it is made of changes (each of those is replaced, never mutated). */
  private statusCache: { decided: unknown; pass: unknown; snap: unknown; mode: string; json: string } | null = null;

  statusJson(): string {
    const c = this.statusCache;
    if (c && c.decided === this.decided && c.pass === this.lastPass && c.snap === this.lastSnapshot && c.mode === this.fs.mode) return c.json;
    const json = JSON.stringify(this.status());
    this.statusCache = { decided: this.decided, pass: this.lastPass, snap: this.lastSnapshot, mode: this.fs.mode, json };
    return json;
  }

  /** The shim's view for the status file (core/status/shim-status.ts). */
  status(): IpvsStatus {
    const p = this.lastPass;
    const state = !p || (!p.ok && p.stage === 'read') ? 'unknown' : p.ok ? 'in-sync' : 'differs';
    const s = this.lastSnapshot;
    return {
      mode: this.fs.mode,
      snapshot: s ? { seq: s.seq, issuedAtMs: s.issuedAtMs, expiresAtMs: s.expiresAtMs } : null,
      table: { state, lastPassAtMs: p?.atMs ?? null, pendingOps: p?.pendingOps ?? 0, lastError: p?.error ?? null },
      virtualServers: [...this.decided.values()].map((v) => ({
        key: v.key,
        quorumUp: v.quorumUp,
        aliveWeight: v.aliveWeight,
        realServers: v.realServers.map((r) => ({ key: r.key, alive: r.alive, present: r.present, weight: r.weight, sorry: r.sorry })),
      })),
    };
  }

  /** A failed pass: counted by reason, logged once per burst, and another pass (a fresh read) after a backoff. */
  private failed(r: Extract<ReconcileResult, { ok: false }> | { ok: false; stage: 'apply'; code: 'threw'; message: string; ops: [] }): void {
    this.observed = undefined;
    // A pass that threw left the table unknown, as a failed read does.
    if (r.code === 'threw') this.lastPass = { atMs: this.now(), ok: false, pendingOps: 0, error: r.message, stage: 'read' };
    this.o.metrics.inc('vigil_shim_ipvs_errors_total', 1, { stage: r.stage });
    const reason = r.code === 'threw' ? 'reconcile_threw' : r.code === 'ERR_IPVS_TIMEOUT' ? `${r.stage}_timeout` : r.code === 'ERR_IPVS_PARSE' ? 'read_unparsable' : `${r.stage}_failed`;
    this.faults.fault('ipvs', reason, `${r.message} (${r.ops.length} op(s))`);
    if (this.stopped || this.retryTimer) return;
    const capMs = this.o.resyncEveryMs ?? 30_000;
    const waitMs = Math.min(capMs, (this.o.retryBaseMs ?? 500) * 2 ** Math.min(this.retryAttempt++, 16));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.requestReconcile();
    }, waitMs);
  }

  /** SIGHUP: the new config's services are reconciled; services the old one had, the new one lacks and this process owns are removed. */
  async reload(config: Config): Promise<void> {
    const before = desiredTable(this.config, new Map()).scope;
    const after = desiredTable(config, new Map()).scope;
    for (const id of before) if (!after.has(id) && this.owned.has(id)) this.pendingRemove.add(id);
    this.config = config;
    await this.notifier.close();
    this.notifier = new LvsNotifier(config, this.o.log, this.o.notifyScriptTimeoutMs);
    if (this.fs.mode === 'local') this.startLocal(this.seedFromDecided());
    else if (this.lastSnapshot && this.fs.mode === 'board') {
      const s = this.lastSnapshot;
      this.lastSnapshot = null;
      this.fs = { ...this.fs, mode: 'waiting' };
      this.acceptSnapshot(s);
    }
    this.o.log('ipvs config reloaded', { removed: [...this.pendingRemove] });
    await this.requestReconcile();
  }

  /**
   * Stops deciding; with `release`, removes the services this process owns (keepalived without -I
   * removes every service of its config; a shim that never applied a verdict removes nothing).
   */
  async stop(release: boolean): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.retryTimer);
    this.local?.stop();
    this.local = null;
    this.fs = { mode: 'holding', heldSinceMs: this.now() };
    await this.busy;
    const releasing = release ? [...this.owned] : [];
    if (releasing.length) {
      for (const id of releasing) this.pendingRemove.add(id);
      await this.requestReconcile();
    }
    await this.notifier.close();
    this.o.log('ipvs stopped', { released: releasing });
  }
}
