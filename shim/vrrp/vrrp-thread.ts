/**
 * VRRP on a thread of its own (the main thread's side). The VRRP daemon runs
 * in a worker_thread: its own V8 isolate, heap and event loop, so a garbage
 * collection of the main heap, a synchronous netlink apply of a large IPVS
 * table or the parse of a large config on reload never delays an advert. The
 * worker shares the process: systemd's SIGTERM reaches it through the main
 * thread, and it can never outlive the process holding addresses. The main
 * thread keeps the plan and restarts a worker that dies (logged and counted).
 */
import { Worker } from 'node:worker_threads';
import type { AlertState } from '../../core/mail/keepalived-mail.ts';
import type { BoardView } from '../../core/vote/board-track.ts';
import type { Log } from './instance-runtime.ts';
import type { VrrpPlan } from './plan.ts';

export interface VrrpThreadOptions {
  /** false with --dont-release-vrrp. */
  releaseOnStop: boolean;
  statusFile?: string;
}

export interface InstanceState {
  name: string;
  state: string;
}

export interface ReloadSummary {
  kept: string[];
  added: string[];
  removed: string[];
}

/** Main thread → VRRP thread. */
export type ToVrrp =
  | { type: 'start'; plan: VrrpPlan; options: VrrpThreadOptions; boardView: BoardView | null }
  | { type: 'reload'; id: number; plan: VrrpPlan }
  | { type: 'board-view'; view: BoardView }
  | { type: 'write-status' }
  /** More for the status file (the IPVS side, leases; `raw` already serialised, sent only when it changed): written at once. */
  | { type: 'status-extra'; fields: Record<string, unknown>; raw?: Record<string, string> }
  | { type: 'stop' };

/** VRRP thread → main thread. */
export type FromVrrp =
  | { type: 'log'; msg: string; fields: Record<string, unknown> }
  | { type: 'started'; states: InstanceState[]; tid: number | null }
  | { type: 'start-failed'; error: string }
  | { type: 'states'; states: InstanceState[] }
  | ({ type: 'reloaded'; id: number } & ReloadSummary)
  | { type: 'reload-failed'; id: number; error: string }
  /** An instance's or sync group's transition for smtp_alert (the mail goes from the main thread). */
  | { type: 'alert'; kind: 'instance' | 'group'; name: string; state: AlertState }
  /** A fault the VRRP thread survived (the lvs sync daemons), and the end of its burst: counted by the main thread's Faults. */
  | { type: 'fault'; where: string; reason: string; detail: string }
  | { type: 'fault-over'; where: string }
  | { type: 'stopped' };

/** What the main thread does with the VRRP thread's events besides logging them. */
export interface VrrpThreadHooks {
  onAlert?: (kind: 'instance' | 'group', name: string, state: AlertState) => void;
  faults?: { fault(where: string, reason: string, detail?: string): void; ok(where: string): void };
}

const STOP_DEADLINE_MS = 15_000;
const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/** A worker that lived this long was healthy: the next restart waits the shortest time again. */
const STABLE_MS = 60_000;

/**
 * From sources (tsx) a plain-JS entry registers tsx in the new thread first:
 * Node 20 does not hand module hooks to workers. From the bundle
 * (infra/build/bundle.mjs) the worker is its own entry beside the chunks.
 */
function workerEntry(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./vrrp-worker-boot.mjs', import.meta.url) : new URL('./vrrp-worker.mjs', import.meta.url);
}

export class VrrpThread {
  private worker: Worker | null = null;
  private current: InstanceState[] = [];
  /** The last view of the Board's verdicts: a restarted thread starts from it. */
  private boardView: BoardView | null = null;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private failuresInRow = 0;
  private startedAtMs = 0;
  private reloadSerial = 0;
  private readonly pending = new Map<number, { resolve: (r: ReloadSummary) => void; reject: (e: Error) => void }>();
  /** The VRRP thread's kernel thread id (null when unknown). */
  tid: number | null = null;
  /** Workers that died and were started again. */
  restarts = 0;

  /** The last serialised members sent for the status file, by identity: unchanged ones are not sent again. */
  private sentRaw: Record<string, string> = {};

  constructor(
    private plan: VrrpPlan,
    private readonly options: VrrpThreadOptions,
    private readonly log: Log,
    private readonly hooks: VrrpThreadHooks = {},
  ) {}

  /** Resolves once every instance has left INIT; rejects when the VRRP side cannot start here (nothing left running). */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const w = new Worker(workerEntry(), { stdout: false, stderr: false });
      this.worker = w;
      this.startedAtMs = Date.now();
      let started = false;
      w.on('message', (m: FromVrrp) => {
        if (m.type === 'started') {
          started = true;
          this.current = m.states;
          this.tid = m.tid;
          resolve();
        } else if (m.type === 'start-failed') {
          void w.terminate();
          reject(new Error(m.error));
        } else this.onMessage(m);
      });
      w.on('error', (err: Error) => this.log('vrrp thread error', { error: String(err?.stack ?? err) }));
      w.on('exit', (code: number) => {
        if (this.worker === w) this.worker = null;
        for (const p of this.pending.values()) p.reject(new Error('the VRRP thread exited'));
        this.pending.clear();
        if (!started) return reject(new Error(`the VRRP thread exited (${code}) before it started`));
        if (!this.stopping) this.restartLater(code);
      });
      this.sentRaw = {};
      this.post({ type: 'start', plan: this.plan, options: this.options, boardView: this.boardView });
    });
  }

  private onMessage(m: FromVrrp): void {
    if (m.type === 'log') this.log(m.msg, m.fields);
    else if (m.type === 'alert') this.hooks.onAlert?.(m.kind, m.name, m.state);
    else if (m.type === 'fault') this.hooks.faults?.fault(m.where, m.reason, m.detail);
    else if (m.type === 'fault-over') this.hooks.faults?.ok(m.where);
    else if (m.type === 'states') this.current = m.states;
    else if (m.type === 'reloaded' || m.type === 'reload-failed') {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.type === 'reloaded') p?.resolve({ kept: m.kept, added: m.added, removed: m.removed });
      else p?.reject(new Error(m.error));
    }
  }

  private restartLater(code: number): void {
    this.restarts++;
    this.failuresInRow = Date.now() - this.startedAtMs > STABLE_MS ? 1 : this.failuresInRow + 1;
    const waitMs = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** (this.failuresInRow - 1));
    this.log('vrrp thread died; restarting', { exitCode: code, restarts: this.restarts, inMs: waitMs });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.start().catch((err: unknown) => {
        this.log('vrrp thread restart failed', { error: String(err) });
        if (!this.stopping && !this.worker) this.restartLater(-1);
      });
    }, waitMs);
  }

  private post(m: ToVrrp): void {
    this.worker?.postMessage(m);
  }

  /** Runs `plan` instead (reload-plan.ts); rejects, changing nothing, when the VRRP thread refuses it. */
  reload(plan: VrrpPlan): Promise<ReloadSummary> {
    if (!this.worker) {
      // Dead and waiting for its restart: the restart starts the new plan.
      this.plan = plan;
      return Promise.resolve({ kept: [], added: plan.instances.map((i) => i.name), removed: [] });
    }
    const id = ++this.reloadSerial;
    return new Promise<ReloadSummary>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: 'reload', id, plan });
    }).then((r) => {
      this.plan = plan;
      return r;
    });
  }

  /** The Board's verdicts per track_board (shim/daemon/board-feed.ts), for VrrpDaemon.setBoardView. */
  setBoardView(view: BoardView): void {
    this.boardView = view;
    this.post({ type: 'board-view', view });
  }

  /** SIGUSR1 / SIGUSR2: the status file, rewritten by the VRRP thread. */
  writeStatus(): void {
    this.post({ type: 'write-status' });
  }

  /** The status file's other members, written by the VRRP thread at once (every second from the main thread). */
  statusExtra(fields: Record<string, unknown>, raw: Record<string, string>): void {
    const changed = Object.keys(raw).length !== Object.keys(this.sentRaw).length || Object.entries(raw).some(([k, v]) => this.sentRaw[k] !== v);
    this.sentRaw = raw;
    this.post(changed ? { type: 'status-extra', fields, raw } : { type: 'status-extra', fields });
  }

  /** The instances' states as the VRRP thread last reported them. */
  states(): InstanceState[] {
    return this.current;
  }

  /** Priority 0 and addresses off (unless --dont-release-vrrp), as the daemon's stop; bounded. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const w = this.worker;
    if (!w) return;
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(() => {
        this.log('vrrp thread did not stop in time', { deadlineMs: STOP_DEADLINE_MS });
        resolve();
      }, STOP_DEADLINE_MS);
      w.on('message', (m: FromVrrp) => {
        if (m.type === 'stopped') {
          clearTimeout(deadline);
          resolve();
        }
      });
      w.once('exit', () => {
        clearTimeout(deadline);
        resolve();
      });
      this.post({ type: 'stop' });
    });
    await w.terminate();
  }
}
