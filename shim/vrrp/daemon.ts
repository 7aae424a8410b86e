/**
 * The VRRP half of `vigil shim`: runs every instance of a plan as `keepalived -P`
 * would. One timer for all machines (the earliest deadline), one raw socket per
 * interface and family, tracking fed from sysfs, scripts, files and the Board.
 */
import { performance } from 'node:perf_hooks';
import { canonicalAddress } from './codec.ts';
import { AcceptFirewall, findNft } from './accept-firewall.ts';
import { InstanceRuntime, needsFirewall, type Log } from './instance-runtime.ts';
import { primaryAddress, VrrpLink, type ReceivedPacket } from './link.ts';
import type { Effect, VrrpState } from './machine.ts';
import { Notifier } from './notify.ts';
import { writeStatusFile } from '../daemon/status-file.ts';
import type { AlertState } from '../../core/mail/keepalived-mail.ts';
import type { InstancePlan, VrrpPlan } from './plan.ts';
import { addressChanges, diffPlans } from './reload-plan.ts';
import { ipRouteChanges } from './route-plan.ts';
import { hasTracked, IpRouteWatch, trackedLineDeleted } from './route-watch.ts';
import { StaticAddresses } from './static-addresses.ts';
import { StaticIpRoutes } from './static-ip-routes.ts';
import { SyncGroup } from './sync-group.ts';
import { trackSource, type TrackSource } from './track-sources.ts';
import { evaluateTracking, type TrackedObject, type TrackStatus } from './tracking.ts';
import { VigilError } from '../../core/errors.ts';
import { BoardView, type BoardEffect } from '../../core/vote/board-track.ts';
import { advertIfname, sourceIfname, VmacManager, vmacsOf } from './vmac.ts';

export interface DaemonOptions {
  /** false with --dont-release-vrrp: no priority 0 and the addresses stay at shutdown. */
  releaseOnStop: boolean;
  log: Log;
  /** Rewritten on every state change and, throttled, when counters move. */
  statusFile?: string;
  /** Called after every state change (the host thread keeps a copy of the states). */
  onStateChange?: () => void;
  /** Each instance's new state, from start-up to shutdown (shim/vrrp/syncd.ts follows one). */
  onInstanceState?: (instance: string, state: VrrpState) => void;
  clock?: () => number;
  /** More for the status file beside the instances: the IPVS side, leases (core/status/shim-status.ts). */
  statusExtra?: () => Record<string, unknown>;
  /** Members already serialised, added as they are (the IPVS side's, cached). */
  statusRaw?: () => Record<string, string>;
  /** smtp_alert mail for instance and sync group transitions (shim/mail/mail-alerts.ts, on the main thread). */
  alerts?: { instance(name: string, state: AlertState): void; group(name: string, state: AlertState): void };
}

interface Tracked {
  spec: TrackedObject;
  source: TrackSource | null;
}

const STATUS_THROTTLE_MS = 200;

function statusOf(effect: BoardEffect): TrackStatus {
  return effect === 'neutral' ? { kind: 'neutral' } : { kind: 'pass-fail', ok: effect === 'up' };
}

export class VrrpDaemon {
  readonly runtimes: InstanceRuntime[] = [];
  private readonly links = new Map<string, VrrpLink>();
  private readonly groups = new Map<string, SyncGroup>();
  private readonly tracked = new Map<InstanceRuntime, Tracked[]>();
  private readonly ownFault = new Map<InstanceRuntime, boolean>();
  /** The last effect per track_board name, kept across instances (and for those not started yet). */
  private readonly boardEffects = new Map<string, BoardEffect>();
  private notifier: Notifier;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Accept-mode drop rules, made when the first instance that needs them is prepared. */
  private firewall: AcceptFirewall | null = null;
  private routeWatch: IpRouteWatch | null = null;
  private readonly staticIp: StaticIpRoutes;
  private readonly staticAddresses: StaticAddresses;
  private readonly vmacs: VmacManager;

  constructor(
    /** The running plan; a reload replaces it. */
    private plan: VrrpPlan,
    private readonly opts: DaemonOptions,
  ) {
    this.clock = opts.clock ?? (() => performance.now());
    this.notifier = new Notifier(plan.notifyFifos, (msg, fields) => opts.log(msg, fields), plan.scriptPolicy);
    this.staticIp = new StaticIpRoutes(plan.staticIpRoutes, opts.log);
    this.staticAddresses = new StaticAddresses(plan.staticAddresses, opts.log);
    this.vmacs = new VmacManager(opts.log, (name) => this.relink(name));
  }

  /** use_vmac: builds the macvlans before start() binds sockets to them; failures are retried (vmac.ts), never thrown. */
  setUpVmacs(): Promise<void> {
    return this.vmacs.ensure(vmacsOf(this.plan.instances));
  }

  /** A macvlan was rebuilt: sockets bound to the old one hear nothing, so bind again. */
  private relink(name: string, only?: VrrpLink): void {
    for (const rt of this.runtimes) rt.forgetFrameSender(name);
    for (const link of only ? [only] : this.links.values()) {
      if (link.ifname !== name || this.stopped) continue;
      try {
        link.reopen();
      } catch (err) {
        this.opts.log('vrrp socket open failed', { ifname: name, error: String(err) });
      }
    }
  }

  start(): void {
    for (const rt of this.prepare(this.plan.instances)) this.runtimes.push(rt);
    this.buildGroups();
    // keepalived's order: static addresses, then the static routes that may use them as src.
    if (this.plan.staticAddresses.length) void this.staticAddresses.start().then(() => this.staticIp.start());
    else this.staticIp.start();
    this.launch(this.runtimes);
    this.vmacs.start();
    this.opts.log('vrrp started', { instances: this.runtimes.map((r) => ({ name: r.plan.name, version: r.plan.version, vrid: r.plan.vrid, source: r.sourceAddress })) });
    this.schedule();
  }

  /** Opens the links and builds the runtimes for these instances, starting nothing; throws (closing what it opened) when the host lacks what one needs. */
  private prepare(instances: InstancePlan[]): InstanceRuntime[] {
    const opened: string[] = [];
    try {
      return instances.map((p) => {
        const ifname = advertIfname(p);
        const key = `${ifname}/${p.family}`;
        let link = this.links.get(key);
        if (!link) {
          link = new VrrpLink(ifname, p.family, (pkt) => this.onPacket(key, pkt));
          // A macvlan not built yet: the instance tracks it (FAULT meanwhile) and relink() binds once it is.
          if (!p.vmac || p.vmac.xmitBase) link.open();
          else if (this.vmacs.isReady(ifname)) this.relink(ifname, link);
          else this.opts.log('vrrp socket waits for its macvlan', { ifname });
          this.links.set(key, link);
          opened.push(key);
        }
        if (p.unicastPeers.length === 0) link.join(p.destination);
        const source = p.sourceAddress ?? primaryAddress(sourceIfname(p), p.family);
        // The host lacks what the config needs (an address on the interface, or mcast_src_ip): nothing to send adverts from.
        if (!source) throw new VigilError('ERR_CONFIG', `vrrp_instance ${p.name}: ${sourceIfname(p)} has no ${p.family === 4 ? 'IPv4' : 'IPv6 link-local'} address to send from`, { path: `vrrp_instance ${p.name}` });
        if (needsFirewall(p) && !this.firewall) {
          const nft = findNft();
          if (!nft) {
            throw new VigilError(
              'ERR_CONFIG',
              `vrrp_instance ${p.name}: accept mode is off (vrrp_strict or no_accept), so as master it must drop traffic to its addresses as keepalived does, with nftables; the nft command is not installed (Debian: nftables), or set \`accept\` (VRRPv3) / remove no_accept`,
              { path: `vrrp_instance ${p.name}` },
            );
          }
          this.firewall = new AcceptFirewall(nft);
        }
        return new InstanceRuntime(p, link, canonicalAddress(source), this.opts.log, this.firewall);
      });
    } catch (err) {
      for (const key of opened) {
        this.links.get(key)?.close();
        this.links.delete(key);
      }
      throw err;
    }
  }

  private buildGroups(): void {
    this.groups.clear();
    for (const g of this.plan.groups) {
      const members = this.runtimes.filter((r) => g.members.includes(r.plan.name)).map((r) => r.machine);
      const group = new SyncGroup(g.name, members);
      group.refresh();
      this.groups.set(g.name, group);
    }
  }

  /** Tracking, then the machines leave INIT, then the track sources start: for start-up and for instances a reload adds. */
  private launch(fresh: InstanceRuntime[]): void {
    const now = this.clock();
    for (const rt of fresh) {
      const list: Tracked[] = rt.plan.tracks.map((spec) => {
        // The Board's verdict is neutral until a view says otherwise (core/vote/board-track.ts).
        const t: Tracked = { spec: { ...spec, status: spec.kind === 'board' ? statusOf(this.boardEffects.get(spec.name) ?? 'neutral') : { kind: 'pass-fail', ok: null } }, source: null };
        t.source = trackSource(
          spec,
          this.plan.scriptPolicy,
          () => {
            t.spec.status = t.source!.status;
            this.retrack(rt);
          },
          (msg, fields) => this.opts.log(msg, fields),
        );
        if (t.source) t.spec.status = t.source.status;
        return t;
      });
      this.tracked.set(rt, list);
      const result = evaluateTracking(rt.plan.basePriority, list.map((t) => t.spec));
      this.ownFault.set(rt, result.fault);
      rt.machine.setEffectivePriority(now, result.effectivePriority);
    }
    for (const rt of fresh) {
      // Clear leftovers of an earlier run (kill -9, --dont-release-vrrp), as keepalived does at start.
      if (!(rt.machine.isOwner && rt.plan.initialState === 'MASTER')) void rt.releaseAddresses();
      this.apply(rt, rt.machine.start(now, this.faultOf(rt)));
    }
    for (const rt of fresh) for (const t of this.tracked.get(rt) ?? []) t.source?.start();
    this.watchIpRoutes();
  }

  /** keepalived's route tracking: a tracked virtual route or rule deleted behind a MASTER's back makes it leave MASTER. */
  private watchIpRoutes(): void {
    if (this.routeWatch || !(hasTracked(this.staticIp.current) || this.runtimes.some((rt) => hasTracked(rt.plan.ipRoutes)))) return;
    this.routeWatch = new IpRouteWatch(
      (d, ifIndex) => {
        this.staticIp.onDeleted(d, ifIndex);
        for (const rt of this.runtimes) {
          const what = rt.machine.state === 'MASTER' ? trackedLineDeleted(rt.plan.ipRoutes, d, ifIndex) : undefined;
          if (!what) continue;
          this.opts.log('tracked route or rule deleted; leaving MASTER', { instance: rt.plan.name, what });
          // keepalived's set_vrrp_backup: back to MASTER after the skew time unless a master is heard.
          this.apply(rt, rt.machine.gotoBackup(this.clock(), rt.machine.skewMs()));
          this.schedule();
        }
      },
      (detail) => this.opts.log('route tracking unavailable', { detail }),
    );
  }

  /**
   * SIGHUP: run `next` instead of the running plan (rules in reload-plan.ts).
   * Kept instances keep their state and timers; removed ones leave as at
   * shutdown (priority 0, addresses removed, notify STOP) whatever
   * --dont-release-vrrp says, since nothing will advertise them again; added
   * ones start as at start-up. Throws, changing nothing, when an added
   * instance cannot start here.
   */
  async reload(next: VrrpPlan): Promise<{ kept: string[]; added: string[]; removed: string[] }> {
    if (this.stopped) return { kept: [], added: [], removed: [] };
    const diff = diffPlans(this.plan, next);
    await this.vmacs.ensure(vmacsOf(diff.added));
    if (this.stopped) return { kept: [], added: [], removed: [] };
    const fresh = this.prepare(diff.added);
    const now = this.clock();
    const leaving = diff.removed.map((p) => this.runtimes.find((r) => r.plan === p)!).filter(Boolean);
    for (const rt of leaving) {
      this.apply(rt, rt.machine.stop(now, true));
      for (const t of this.tracked.get(rt) ?? []) t.source?.stop();
      this.tracked.delete(rt);
      this.ownFault.delete(rt);
      this.runtimes.splice(this.runtimes.indexOf(rt), 1);
    }
    if (JSON.stringify([next.notifyFifos, next.scriptPolicy]) !== JSON.stringify([this.plan.notifyFifos, this.plan.scriptPolicy])) {
      const old = this.notifier;
      this.notifier = new Notifier(next.notifyFifos, (msg, fields) => this.opts.log(msg, fields), next.scriptPolicy);
      void old.drain(5_000).then(() => old.close());
    }
    this.plan = next;
    void this.staticAddresses.reload(next.staticAddresses);
    this.staticIp.reload(next.staticIpRoutes);
    for (const [, now] of diff.kept) {
      const rt = this.runtimes.find((r) => r.plan.name === now.name)!;
      const moves = addressChanges(rt.plan, now);
      const routeMoves = ipRouteChanges(rt.plan.ipRoutes, now.ipRoutes);
      rt.reconfigure(now);
      if (moves.add.length || moves.remove.length) void rt.moveAddresses(moves.add, moves.remove);
      void rt.moveIpRoutes(routeMoves.add, routeMoves.remove);
      this.retrack(rt);
    }
    this.runtimes.push(...fresh);
    this.buildGroups();
    this.launch(fresh);
    this.schedule();
    await Promise.all(leaving.map((rt) => rt.settle(6_000)));
    for (const rt of leaving) rt.close();
    for (const [key, link] of this.links) {
      if (this.runtimes.some((r) => r.link === link)) continue;
      link.close();
      this.links.delete(key);
    }
    await this.vmacs.prune(vmacsOf(this.runtimes.map((r) => r.plan)));
    this.writeStatus();
    return { kept: diff.kept.map(([, p]) => p.name), added: diff.added.map((p) => p.name), removed: diff.removed.map((p) => p.name) };
  }

  /**
   * The Board's verdict per track_board, as the feed resolved it (held or
   * neutral included): plain JSON, parsed here since it may come from another
   * thread or process. Instances re-evaluate only when an effect changed.
   */
  setBoardView(message: unknown): void {
    const parsed = BoardView.safeParse(message);
    if (!parsed.success) return this.opts.log('board view refused', { error: parsed.error.issues[0]?.message ?? 'schema' });
    const changed = new Set<string>();
    for (const t of parsed.data.tracks) {
      if (this.boardEffects.get(t.name) !== t.effect) changed.add(t.name);
      this.boardEffects.set(t.name, t.effect);
    }
    if (changed.size === 0) return;
    for (const [rt, list] of this.tracked) {
      const mine = list.filter((t) => t.spec.kind === 'board' && changed.has(t.spec.name));
      for (const t of mine) t.spec.status = statusOf(this.boardEffects.get(t.spec.name)!);
      if (mine.length) this.retrack(rt);
    }
  }

  private faultOf(rt: InstanceRuntime): boolean {
    if (this.ownFault.get(rt)) return true;
    const g = rt.plan.syncGroup;
    if (!g) return false;
    // One member in FAULT puts the whole sync group in FAULT.
    return this.runtimes.some((o) => o.plan.syncGroup === g && this.ownFault.get(o));
  }

  private retrack(rt: InstanceRuntime): void {
    if (this.stopped) return;
    const now = this.clock();
    const result = evaluateTracking(rt.plan.basePriority, this.tracked.get(rt)!.map((t) => t.spec));
    const wasFault = this.ownFault.get(rt);
    this.ownFault.set(rt, result.fault);
    if (wasFault !== result.fault) this.opts.log(result.fault ? 'tracking fault' : 'tracking recovered', { instance: rt.plan.name, by: result.faultBy });
    this.apply(rt, rt.machine.setEffectivePriority(now, result.effectivePriority));
    const affected = rt.plan.syncGroup ? this.runtimes.filter((o) => o.plan.syncGroup === rt.plan.syncGroup) : [rt];
    for (const o of affected) this.apply(o, o.machine.setFault(now, this.faultOf(o)));
    this.schedule();
  }

  private onPacket(linkKey: string, pkt: ReceivedPacket): void {
    if (this.stopped) return;
    const link = this.links.get(linkKey)!;
    if (pkt.payload.length < 8) return link.countDrop('truncated');
    const vrid = pkt.payload[1]!;
    const rt = this.runtimes.find((r) => r.link === link && r.plan.vrid === vrid);
    if (!rt) return link.countDrop('unknown-vrid');
    const adv = rt.accept(pkt);
    this.statusSoon();
    if (!adv) return;
    this.apply(rt, rt.machine.receive(this.clock(), adv));
    this.schedule();
  }

  private apply(rt: InstanceRuntime, effects: Effect[]): void {
    for (const e of effects) {
      if (e.type === 'advert') rt.sendAdvert(e.priority);
      else if (e.type === 'lower-priority-advert') {
        this.opts.log('lower priority master heard', { instance: rt.plan.name, from: e.source, priority: e.priority });
        rt.announceAfterSplitBrain();
        this.notifier.notify({ masterRxLowerPri: rt.plan.notify.masterRxLowerPri }, 'INSTANCE', rt.plan.name, 'MASTER_RX_LOWER_PRI', rt.machine.effectivePriority);
      } else this.transition(rt, e.from, e.to, e.priority, e.releaseAddresses);
    }
  }

  private transition(rt: InstanceRuntime, from: VrrpState, to: VrrpState, priority: number, release: boolean): void {
    this.opts.log('state', { instance: rt.plan.name, from, to, priority });
    this.opts.onInstanceState?.(rt.plan.name, to);
    if (to === 'MASTER') {
      rt.stats.becameMaster++;
      void rt.takeAddresses();
    }
    if (from === 'MASTER') rt.stats.releasedMaster++;
    if (release) void rt.releaseAddresses();
    if (to === 'MASTER' || to === 'BACKUP' || to === 'FAULT' || to === 'STOP') {
      this.notifier.notify(rt.plan.notify, 'INSTANCE', rt.plan.name, to, priority);
      this.opts.alerts?.instance(rt.plan.name, to);
    }
    const gname = rt.plan.syncGroup;
    const group = gname ? this.groups.get(gname) : undefined;
    if (group && !this.stopped) {
      const followed = group.follow(this.clock(), rt.machine, from);
      for (const f of followed.effects) this.apply(this.runtimes.find((r) => r.machine === f.machine)!, f.effects);
      if (followed.groupTransition && followed.groupTransition.to !== 'INIT') {
        const gp = this.plan.groups.find((g) => g.name === gname)!;
        this.opts.log('group state', { group: gname, ...followed.groupTransition });
        this.notifier.notify(gp.notify, 'GROUP', gname!, followed.groupTransition.to, 0);
        this.opts.alerts?.group(gname!, followed.groupTransition.to);
      }
    }
    this.writeStatus();
    this.opts.onStateChange?.();
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const deadlines = this.runtimes.map((r) => r.machine.deadlineMs).filter((d): d is number => d !== null);
    if (deadlines.length === 0) return;
    const wait = Math.max(0, Math.min(...deadlines) - this.clock());
    this.timer = setTimeout(() => this.fire(), Math.ceil(wait));
  }

  private fire(): void {
    this.timer = null;
    // Every due machine runs, in a bounded pass; a late timer never loses an advert.
    const now = this.clock();
    for (const rt of this.runtimes) this.apply(rt, rt.machine.tick(now));
    this.schedule();
  }

  status(): Record<string, unknown> {
    return {
      pid: process.pid,
      instances: this.runtimes.map((r) => ({
        name: r.plan.name,
        state: r.machine.state,
        priority: r.machine.effectivePriority,
        master: r.machine.masterAddress,
        stats: r.stats,
      })),
      groups: [...this.groups.values()].map((g) => ({ name: g.name, state: g.state })),
      links: [...this.links.entries()].map(([k, l]) => ({ link: k, dropped: Object.fromEntries(l.drops) })),
      vmacs: this.vmacs.status(),
    };
  }

  writeStatus(): void {
    const file = this.opts.statusFile;
    if (!file) return;
    writeStatusFile(file, { ...this.status(), ...this.opts.statusExtra?.() }, this.opts.log, this.opts.statusRaw?.());
  }

  private statusSoon(): void {
    if (!this.opts.statusFile || this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      this.writeStatus();
    }, STATUS_THROTTLE_MS);
  }

  /** SIGTERM/SIGINT: priority 0 and addresses off (unless --dont-release-vrrp), notify STOP, close. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    const now = this.clock();
    for (const rt of this.runtimes) this.apply(rt, rt.machine.stop(now, this.opts.releaseOnStop));
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.statusTimer) clearTimeout(this.statusTimer);
    for (const list of this.tracked.values()) for (const t of list) t.source?.stop();
    this.routeWatch?.close();
    await Promise.all(this.runtimes.map((rt) => rt.settle(6_000)));
    const fw = await this.firewall?.close();
    if (fw && !fw.ok) this.opts.log('accept-mode firewall not removed', { detail: fw.detail });
    this.staticIp.stop();
    await Promise.race([this.staticAddresses.stop(), new Promise((r) => setTimeout(r, 6_000).unref())]);
    await this.notifier.drain(5_000);
    for (const rt of this.runtimes) rt.close();
    for (const l of this.links.values()) l.close();
    // keepalived deletes its macvlans at shutdown, except with --dont-release-vrrp (its addresses stay on them).
    await (this.opts.releaseOnStop ? this.vmacs.close() : this.vmacs.detach());
    this.notifier.close();
    this.writeStatus();
  }
}
