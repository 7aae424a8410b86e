/**
 * keepalived's lvs_sync_daemon in the shim: the kernel's IPVS connection sync
 * follows one vrrp_instance. As keepalived's VRRP process does
 * (ipvs_syncd_master/backup, vrrp_init_state, stop_vrrp): the backup daemon
 * runs from start-up and whenever the instance is not MASTER (BACKUP, FAULT),
 * the master daemon while it is MASTER, and at shutdown the daemon of the
 * moment is stopped (whatever -I/--dont-release-ipvs and --dont-release-vrrp
 * say: keepalived's VRRP process stops it unconditionally).
 *
 * Level-triggered where keepalived fires commands: each pass reads the
 * kernel's daemons, stops what should not run (or runs with other options),
 * then starts what should. A pass that fails is a fault (reported once per
 * burst by the main thread's Faults) and is tried again after a backoff;
 * nothing here can throw into the VRRP loop.
 */
import type { Config } from '../../core/config/model.ts';
import type { SyncdKernel } from '../ipvs/syncd-kernel.ts';
import type { SyncDaemon, SyncRole } from '../ipvs/syncd-codec.ts';
import type { VrrpState } from './machine.ts';

/** What the VRRP thread runs: the instance followed and its daemon's options; `unresolved` when no such instance exists. */
export type SyncdPlan = { instance: string; daemon: Omit<SyncDaemon, 'role'> } | { instance: string; unresolved: true };

/**
 * The followed instance and the daemon's options, as keepalived resolves them:
 * global_defs lvs_sync_daemon (syncid defaulting to the instance's
 * virtual_router_id), else the first instance's deprecated
 * lvs_sync_daemon_interface (syncid 0).
 */
export function planSyncd(config: Config): SyncdPlan | null {
  const g = config.globalDefs.lvsSyncDaemon;
  if (g?.instance !== undefined) {
    const vi = config.vrrpInstances.find((v) => v.name === g.instance);
    if (!vi) return { instance: g.instance, unresolved: true };
    const { interface: ifname, instance: _i, syncId, ...options } = g;
    return { instance: vi.name, daemon: { ifname, syncId: syncId ?? vi.virtualRouterId, ...options } };
  }
  if (g) return null; // no instance: keepalived's checker would run it; the reader made the shim refuse this.
  const vi = config.vrrpInstances.find((v) => v.lvsSyncDaemonInterface !== undefined);
  return vi ? { instance: vi.name, daemon: { ifname: vi.lvsSyncDaemonInterface!, syncId: 0 } } : null;
}

export interface SyncdReport {
  log(msg: string, fields?: Record<string, unknown>): void;
  /** A pass failed (counted as vigil_shim_faults_total{where="syncd"}). */
  fault(reason: string, detail: string): void;
  /** A pass worked: a burst of faults is over. */
  ok(): void;
}

const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

const sameOptions = (want: SyncDaemon, got: Required<SyncDaemon>) =>
  want.ifname === got.ifname && want.syncId === got.syncId && (['maxlen', 'port', 'ttl', 'group'] as const).every((k) => want[k] === undefined || want[k] === got[k]);

export class SyncdControl {
  private plan: SyncdPlan | null = null;
  /** Every instance's last state as the VRRP daemon reported it: a reload may follow another instance. */
  private readonly states = new Map<string, VrrpState>();
  private stopped = false;
  private running: Promise<void> | null = null;
  private again = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(
    private readonly kernel: () => SyncdKernel | string,
    private readonly report: SyncdReport,
  ) {}

  private k: SyncdKernel | null = null;

  /** At start and on reload; a changed plan converges at once. */
  configure(plan: SyncdPlan | null): void {
    if (this.stopped) return;
    if (plan && 'unresolved' in plan) this.report.log(`Unable to find vrrp instance ${plan.instance} for lvs_syncd - clearing lvs_syncd config`);
    const was = this.plan;
    this.plan = plan && 'daemon' in plan ? plan : null;
    if (JSON.stringify(was) !== JSON.stringify(this.plan)) this.converge();
  }

  /** Each transition of each instance (VrrpDaemon's onInstanceState). */
  state(instance: string, state: VrrpState): void {
    this.states.set(instance, state);
    if (!this.stopped && this.plan && 'daemon' in this.plan && this.plan.instance === instance) this.converge();
  }

  /** The daemons that should run now. */
  private wanted(): SyncDaemon[] {
    if (this.stopped || !this.plan || !('daemon' in this.plan)) return [];
    const s = this.states.get(this.plan.instance);
    if (s === undefined || s === 'STOP') return [];
    return [{ role: s === 'MASTER' ? 'master' : 'backup', ...this.plan.daemon }];
  }

  /** One pass now, or right after the running one (whose view may be stale). */
  private converge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.running = this.pass()
      .catch((err: unknown) => this.failed('threw', String(err)))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.converge();
        }
      });
  }

  private async pass(): Promise<void> {
    const want = this.wanted();
    if (!this.k) {
      // Nothing wanted and never connected (no lvs_sync_daemon, or stopped first): the kernel is not touched.
      if (want.length === 0 && this.plan === null) return;
      const k = this.kernel();
      if (typeof k === 'string') return this.failed('unavailable', k);
      this.k = k;
    }
    const got = await this.k.list();
    if (typeof got === 'string') return this.failed('read', got);
    const roles: SyncRole[] = ['master', 'backup'];
    const wanted = (r: SyncRole) => want.find((w) => w.role === r);
    // Stops first, as keepalived's ipvs_syncd_master/backup: the other role's daemon, and one of ours with other options.
    for (const role of roles) {
      const g = got.find((d) => d.role === role);
      const w = wanted(role);
      if (!g || (w && sameOptions(w, g))) continue;
      const err = await this.k.stop(role);
      if (err) return this.failed('stop', err);
      this.report.log('lvs sync daemon stopped', { role, ifname: g.ifname, syncid: g.syncId });
    }
    for (const w of want) {
      const g = got.find((d) => d.role === w.role);
      if (g && sameOptions(w, g)) continue;
      const err = await this.k.start(w);
      if (err) return this.failed('start', err);
      this.report.log('lvs sync daemon started', { role: w.role, ifname: w.ifname, syncid: w.syncId });
    }
    this.failures = 0;
    this.report.ok();
  }

  private failed(reason: string, detail: string): void {
    this.report.fault(reason, detail);
    this.failures++;
    if (this.stopped) return;
    const waitMs = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.failures - 1));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.converge();
    }, waitMs);
  }

  /** Shutdown: one last pass stops what runs (only if this control ever reached the kernel), then the socket closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    while (this.running) await this.running;
    if (this.k) await this.pass().catch((err: unknown) => this.failed('threw', String(err)));
    this.k?.close();
    this.k = null;
  }
}
