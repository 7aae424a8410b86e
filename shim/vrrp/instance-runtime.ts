/**
 * One running VRRP instance: its machine, how its adverts are built and
 * sent, how its virtual addresses move, its gratuitous ARP schedule and its
 * counters. The daemon owns timers and ordering; this owns the effects.
 */
import { parsePrefix } from '../../core/config/ip.ts';
import type { VirtualAddress } from '../../core/config/vrrp.ts';
import type { AcceptFirewall } from './accept-firewall.ts';
import { addAddress, removeAddress } from './addresses.ts';
import { applyIpRoutes } from './rtnetlink-routes.ts';
import type { IpRoutes } from './route-plan.ts';
import { canonicalAddress, decodeAdvert, encodeAdvert, type Advert, type DropReason } from './codec.ts';
import { FrameSender, type ReceivedPacket, type VrrpLink } from './link.ts';
import { gratuitousArp, unsolicitedNa } from './link-frames.ts';
import { VrrpMachine, type ReceivedAdvert } from './machine.ts';
import type { InstancePlan } from './plan.ts';
import { checkAdvert, type ReceivePolicy } from './receive-check.ts';
import { vrrpFault, vrrpOk } from './vrrp-faults.ts';

export type Log = (msg: string, fields?: Record<string, unknown>) => void;

/** A non-owner whose accept mode is off drops traffic to its addresses while master (accept-firewall.ts). */
export const needsFirewall = (p: InstancePlan): boolean => !p.accept && p.basePriority !== 255;

export interface InstanceStats {
  advertsSent: number;
  advertsReceived: number;
  accepted: number;
  dropped: Partial<Record<DropReason, number>>;
  addressListMismatch: number;
  priorityZeroSent: number;
  priorityZeroReceived: number;
  becameMaster: number;
  releasedMaster: number;
  sendErrors: number;
  addressErrors: number;
  firewallErrors: number;
  /** virtual_routes / virtual_rules lines that failed to go on or off. */
  routeErrors: number;
}

export class InstanceRuntime {
  readonly machine: VrrpMachine;
  readonly stats: InstanceStats = {
    advertsSent: 0,
    advertsReceived: 0,
    accepted: 0,
    dropped: {},
    addressListMismatch: 0,
    priorityZeroSent: 0,
    priorityZeroReceived: 0,
    becameMaster: 0,
    releasedMaster: 0,
    sendErrors: 0,
    addressErrors: 0,
    firewallErrors: 0,
    routeErrors: 0,
  };
  /** Address changes run one at a time, in the order the machine asked for them. */
  private addressQueue: Promise<void> = Promise.resolve();
  private garpTimers = new Set<NodeJS.Timeout>();
  private frameSenders = new Map<string, FrameSender>();
  private policy: ReceivePolicy;
  private advertised: string[];
  /** sendErrors when the last burst of send failures was declared over. */
  private sendErrorsSaid = 0;

  constructor(
    /** Replaced in place by a reload that keeps the instance (reconfigure). */
    public plan: InstancePlan,
    readonly link: VrrpLink,
    readonly sourceAddress: string,
    private readonly log: Log,
    private readonly firewall: AcceptFirewall | null = null,
  ) {
    this.advertised = plan.addresses.map((a) => parsePrefix(a.address)!.address);
    this.machine = new VrrpMachine({
      name: plan.name,
      version: plan.version,
      advertIntMs: plan.advertIntMs,
      basePriority: plan.basePriority,
      initialState: plan.initialState,
      nopreempt: plan.nopreempt,
      preemptDelayMs: plan.preemptDelayMs,
      primaryAddress: sourceAddress,
      downTimerAdverts: plan.downTimerAdverts,
      lowerPrioNoAdvert: plan.lowerPrioNoAdvert,
      higherPrioSendAdvert: plan.higherPrioSendAdvert,
    });
    this.policy = {
      version: plan.version,
      vrid: plan.vrid,
      advertIntMs: plan.advertIntMs,
      authType: plan.authType,
      authData: plan.authData,
      unicastPeers: plan.unicastPeers,
      checkUnicastSrc: plan.checkUnicastSrc,
      ownAddresses: new Set([canonicalAddress(sourceAddress)]),
    };
  }

  /**
   * A reload kept this instance (same identity, see reload-plan.ts): the new
   * plan's priority, interval, preemption, addresses and scripts apply from
   * now on; the machine keeps its state. The caller moves the addresses.
   */
  reconfigure(plan: InstancePlan): void {
    this.plan = plan;
    this.advertised = plan.addresses.map((a) => parsePrefix(a.address)!.address);
    this.policy = { ...this.policy, advertIntMs: plan.advertIntMs };
    this.machine.reconfigure({
      advertIntMs: plan.advertIntMs,
      basePriority: plan.basePriority,
      nopreempt: plan.nopreempt,
      preemptDelayMs: plan.preemptDelayMs,
      downTimerAdverts: plan.downTimerAdverts,
      lowerPrioNoAdvert: plan.lowerPrioNoAdvert,
      higherPrioSendAdvert: plan.higherPrioSendAdvert,
    });
  }

  countDrop(reason: DropReason): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
  }

  /** Decodes and checks a packet for this instance; null when dropped (and counted). */
  accept(pkt: ReceivedPacket): ReceivedAdvert | null {
    this.stats.advertsReceived++;
    const ends = { family: this.plan.family, source: pkt.source, destination: pkt.destination };
    const adv = decodeAdvert(pkt.payload, ends, { v3ChecksumAsV2: this.plan.v3ChecksumAsV2 });
    if (!adv.ok) {
      this.countDrop(adv.reason);
      return null;
    }
    const check = checkAdvert(this.policy, pkt, adv.value, this.advertised);
    if (!check.ok) {
      this.countDrop(check.reason);
      return null;
    }
    if (check.warnings.length) this.stats.addressListMismatch++;
    this.stats.accepted++;
    if (adv.value.priority === 0) this.stats.priorityZeroReceived++;
    return { source: pkt.source, priority: adv.value.priority, advertIntMs: adv.value.advertIntMs };
  }

  sendAdvert(priority: number): void {
    const advert: Advert = {
      version: this.plan.version,
      vrid: this.plan.vrid,
      priority,
      advertIntMs: this.plan.advertIntMs,
      addresses: this.advertised,
      authType: this.plan.authType,
      authData: this.plan.authData,
    };
    const targets = this.plan.unicastPeers.length ? this.plan.unicastPeers.map((p) => p.ip) : [this.plan.destination];
    for (const destination of targets) {
      try {
        const payload = encodeAdvert(advert, { family: this.plan.family, source: this.sourceAddress, destination }, { v3ChecksumAsV2: this.plan.v3ChecksumAsV2 });
        this.link.send(payload, destination, this.sourceAddress);
        if (this.stats.sendErrors > this.sendErrorsSaid) {
          this.sendErrorsSaid = this.stats.sendErrors;
          vrrpOk('vrrp_send');
        }
        this.stats.advertsSent++;
        if (priority === 0) this.stats.priorityZeroSent++;
      } catch (err) {
        // A send can fail while a link is down; the machine's timers carry on and tracking decides FAULT.
        this.stats.sendErrors++;
        // Once per burst through the main thread's Faults (one line per advert would flood the log while a link is down).
        if (!vrrpFault('vrrp_send', 'send_failed', `${this.plan.name} to ${destination}: ${String(err)}`)) this.log('advert send failed', { instance: this.plan.name, destination, error: String(err) });
      }
    }
  }

  private allAddresses(): VirtualAddress[] {
    return [...this.plan.addresses, ...this.plan.excludedAddresses];
  }

  /** Queues the addresses on, then the first gratuitous ARP burst, the delayed one and the refresh. */
  takeAddresses(): Promise<void> {
    this.cancelGarp();
    const run = async () => {
      // keepalived's order: the drop rule first, so no packet to the address is accepted before it.
      await this.guard('block', this.allAddresses());
      const results = await Promise.all(this.allAddresses().map((a) => addAddress(a, this.plan.ifname)));
      for (const r of results.filter((x) => !x.ok)) {
        this.stats.addressErrors++;
        this.log('address add failed', { instance: this.plan.name, address: r.address, detail: r.detail });
      }
      this.ipRoutes(true, this.plan.ipRoutes);
      if (this.machine.state !== 'MASTER') return;
      const g = this.plan.garp;
      this.announce(g.repeat);
      if (g.delayMs > 0) this.later(g.delayMs, () => this.announce(g.repeat));
      if (g.refreshMs > 0) {
        const refresh = () => {
          this.announce(g.refreshRepeat);
          this.later(g.refreshMs, refresh);
        };
        this.later(g.delayMs + g.refreshMs, refresh);
      }
    };
    this.addressQueue = this.addressQueue.then(run, run);
    return this.addressQueue;
  }

  releaseAddresses(): Promise<void> {
    this.cancelGarp();
    const run = async () => {
      // MASTER again by the time this runs (a quick flap): its take is queued next, and deleting here would look,
      // to route tracking, like a deletion behind the master's back.
      if (this.machine.state !== 'MASTER') this.ipRoutes(false, this.plan.ipRoutes);
      const results = await Promise.all(this.allAddresses().map((a) => removeAddress(a, this.plan.ifname)));
      for (const r of results.filter((x) => !x.ok)) {
        this.stats.addressErrors++;
        this.log('address remove failed', { instance: this.plan.name, address: r.address, detail: r.detail });
      }
      await this.guard('unblock', this.allAddresses());
    };
    this.addressQueue = this.addressQueue.then(run, run);
    return this.addressQueue;
  }

  /** A reload changed a kept instance's addresses: off and on in place, announced when master; no state change. */
  moveAddresses(add: VirtualAddress[], remove: VirtualAddress[]): Promise<void> {
    const run = async () => {
      const master = this.machine.state === 'MASTER';
      if (master) await this.guard('block', add);
      const results = await Promise.all([...remove.map((a) => removeAddress(a, this.plan.ifname)), ...(master ? add.map((a) => addAddress(a, this.plan.ifname)) : [])]);
      for (const r of results.filter((x) => !x.ok)) {
        this.stats.addressErrors++;
        this.log('address change failed', { instance: this.plan.name, address: r.address, detail: r.detail });
      }
      if (master && add.length) this.announce(this.plan.garp.repeat);
      if (master) await this.guard('unblock', remove);
    };
    this.addressQueue = this.addressQueue.then(run, run);
    return this.addressQueue;
  }

  /** Accept mode off: the firewall's drop rule for these addresses on or off; a failure is counted and logged, never thrown. */
  private async guard(op: 'block' | 'unblock', addresses: VirtualAddress[]): Promise<void> {
    if (!this.firewall || !needsFirewall(this.plan) || addresses.length === 0) return;
    const r = await this.firewall[op](addresses, this.plan.ifname);
    if (r.ok) return vrrpOk('vrrp_firewall');
    this.stats.firewallErrors++;
    if (!vrrpFault('vrrp_firewall', op, `${this.plan.name}: ${r.detail}`)) this.log(`accept-mode firewall ${op} failed`, { instance: this.plan.name, detail: r.detail });
  }

  /** A reload changed a kept instance's routes or rules: off, and on when master, in the address queue's order. */
  moveIpRoutes(add: IpRoutes, remove: IpRoutes): Promise<void> {
    const run = async () => {
      this.ipRoutes(false, remove);
      if (this.machine.state === 'MASTER') this.ipRoutes(true, add);
    };
    this.addressQueue = this.addressQueue.then(run, run);
    return this.addressQueue;
  }

  /** Failures are counted and logged in one line per change; the next transition tries again. */
  private ipRoutes(add: boolean, r: IpRoutes): void {
    if (!r.routes.length && !r.rules.length) return;
    const failed = applyIpRoutes(add, r.routes, r.rules);
    if (!failed.length) return vrrpOk('vrrp_routes');
    this.stats.routeErrors += failed.length;
    const detail = failed.map((f) => `${f.what}: ${f.detail}`);
    if (!vrrpFault('vrrp_routes', add ? 'add_failed' : 'delete_failed', `${this.plan.name}: ${detail.join('; ')}`)) {
      this.log(add ? 'route/rule add failed' : 'route/rule delete failed', { instance: this.plan.name, failed: detail });
    }
  }

  /** A lower-priority master was heard: the split brain is ending, so tell the link again who holds the addresses. */
  announceAfterSplitBrain(): void {
    const g = this.plan.garp;
    if (g.lowerPrioRepeat <= 0) return;
    this.announce(g.lowerPrioRepeat);
    if (g.lowerPrioDelayMs > 0) this.later(g.lowerPrioDelayMs, () => this.announce(g.lowerPrioRepeat));
  }

  /** `repeat` gratuitous ARPs (IPv4) or unsolicited NAs (IPv6) for every address we hold. */
  announce(repeat: number): void {
    if (this.machine.state !== 'MASTER') return;
    for (const a of this.allAddresses()) {
      const p = parsePrefix(a.address)!;
      const dev = a.dev ?? this.plan.ifname;
      try {
        let sender = this.frameSenders.get(dev);
        if (!sender) {
          sender = new FrameSender(dev);
          this.frameSenders.set(dev, sender);
        }
        const frame = p.family === 4 ? gratuitousArp(sender.mac, p.address) : unsolicitedNa(sender.mac, p.address);
        for (let i = 0; i < repeat; i++) sender.send(frame);
      } catch (err) {
        this.log('gratuitous announcement failed', { instance: this.plan.name, dev, error: String(err) });
      }
    }
  }

  /** A device was rebuilt (a use_vmac macvlan): the packet socket bound to the old one sends nothing, so open a new one next time. */
  forgetFrameSender(dev: string): void {
    this.frameSenders.get(dev)?.close();
    this.frameSenders.delete(dev);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.garpTimers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.garpTimers.add(t);
  }

  private cancelGarp(): void {
    for (const t of this.garpTimers) clearTimeout(t);
    this.garpTimers.clear();
  }

  /** Waits for queued address changes, bounded so shutdown always ends. */
  async settle(timeoutMs: number): Promise<void> {
    await Promise.race([this.addressQueue, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  close(): void {
    this.cancelGarp();
    for (const s of this.frameSenders.values()) s.close();
    this.frameSenders.clear();
  }
}
