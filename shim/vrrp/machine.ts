/**
 * One VRRP instance's state machine: RFC 5798 section 6, with keepalived 2.2's
 * choices where the two differ (vrrp.c vrrp_state_backup / vrrp_state_master_rx,
 * vrrp_scheduler.c). Pure and clock-injected: every call takes `nowMs` and
 * returns the effects for the caller to carry out, in order.
 */
import { addressBytes, familyOf, type VrrpVersion } from './codec.ts';
import { masterDownMs, OWNER_PRIORITY, skewMs, STOP_PRIORITY } from './timers.ts';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export interface MachineOptions {
  name: string;
  version: VrrpVersion;
  /** Already rounded to what the wire carries (see wireIntervalMs). */
  advertIntMs: number;
  basePriority: number;
  initialState: 'MASTER' | 'BACKUP';
  nopreempt: boolean;
  preemptDelayMs: number;
  /** The source address of our adverts: the tie-breaker at equal priority. */
  primaryAddress: string;
  downTimerAdverts?: number;
  /** keepalived lower_prio_no_advert: a master does not answer a lower-priority advert. */
  lowerPrioNoAdvert?: boolean;
  /** keepalived higher_prio_send_advert: a master answers a higher-priority advert with its own before it yields. */
  higherPrioSendAdvert?: boolean;
}

export type Effect =
  | { type: 'advert'; priority: number }
  | { type: 'transition'; from: VrrpState; to: VrrpState; priority: number; releaseAddresses: boolean }
  /** A master heard a lower-priority master: a split brain is ending; announce the addresses again. */
  | { type: 'lower-priority-advert'; source: string; priority: number };

export interface ReceivedAdvert {
  source: string;
  priority: number;
  advertIntMs: number;
}

/** Compares two addresses as the wire does (network byte order); >0 when a is higher. */
export function compareAddresses(a: string, b: string): number {
  const fa = familyOf(a);
  const fb = familyOf(b);
  if (fa === 0 || fb === 0 || fa !== fb) return 0;
  return Buffer.compare(addressBytes(fa, a), addressBytes(fb, b));
}

export class VrrpMachine {
  readonly opts: MachineOptions;
  state: VrrpState = 'INIT';
  effectivePriority: number;
  /** Absolute time of the next timer event; null while FAULT, STOP or INIT. */
  deadlineMs: number | null = null;
  masterAdvertIntMs: number;
  masterAddress: string | null = null;
  masterPriority = 0;
  /** The master-down timer ran out but a sync group held this instance back. */
  wantMaster = false;
  /** Set by a sync group: may this instance become master now? */
  canGoMaster: (m: VrrpMachine) => boolean = () => true;
  private preemptAtMs = 0;

  constructor(opts: MachineOptions) {
    this.opts = opts;
    this.effectivePriority = opts.basePriority;
    this.masterAdvertIntMs = opts.advertIntMs;
  }

  get isOwner(): boolean {
    return this.opts.basePriority === OWNER_PRIORITY;
  }

  masterDownMs(): number {
    return masterDownMs(this.opts.version, this.effectivePriority, this.masterAdvertIntMs, this.isOwner, this.opts.downTimerAdverts);
  }

  skewMs(): number {
    return skewMs(this.opts.version, this.effectivePriority, this.masterAdvertIntMs, this.isOwner);
  }

  /** Leaves INIT: BACKUP with a master-down timer, at once towards MASTER when we own the addresses, or FAULT. */
  start(nowMs: number, fault: boolean): Effect[] {
    if (this.state !== 'INIT') return [];
    if (fault) return this.enter('FAULT', nowMs, false);
    const effects = this.enter('BACKUP', nowMs, false);
    // keepalived starts an owner as a backup whose timer expires at once.
    this.deadlineMs = this.isOwner && this.opts.initialState === 'MASTER' ? nowMs : nowMs + this.masterDownMs();
    return effects;
  }

  /** An advert that passed every packet check (codec and receive-check). */
  receive(nowMs: number, adv: ReceivedAdvert): Effect[] {
    if (this.state === 'BACKUP') return this.receiveAsBackup(nowMs, adv);
    if (this.state === 'MASTER') return this.receiveAsMaster(nowMs, adv);
    return [];
  }

  private receiveAsBackup(nowMs: number, adv: ReceivedAdvert): Effect[] {
    if (adv.priority === STOP_PRIORITY) {
      // The master is leaving: take over after Skew_Time, not the whole down interval.
      this.deadlineMs = nowMs + this.skewMs();
      return [];
    }
    const preemptDelayRunning =
      this.opts.preemptDelayMs > 0 && (this.preemptAtMs === 0 || this.preemptAtMs > nowMs);
    if (this.opts.nopreempt || adv.priority >= this.effectivePriority || preemptDelayRunning) {
      if (this.opts.version === 3) this.masterAdvertIntMs = adv.advertIntMs;
      this.deadlineMs = nowMs + this.masterDownMs();
      this.masterAddress = adv.source;
      this.masterPriority = adv.priority;
      this.wantMaster = false;
      if (this.opts.preemptDelayMs > 0) {
        if (adv.priority >= this.effectivePriority) this.preemptAtMs = 0;
        else if (this.preemptAtMs === 0) this.preemptAtMs = nowMs + this.opts.preemptDelayMs;
      }
      return [];
    }
    // A lower priority master and we may preempt: ignore it and let the down timer run out.
    this.masterAddress = adv.source;
    return [];
  }

  private receiveAsMaster(nowMs: number, adv: ReceivedAdvert): Effect[] {
    if (adv.priority === STOP_PRIORITY) {
      // Another master is leaving; answer at once so its backups see us before they time out.
      return [{ type: 'advert', priority: this.effectivePriority }];
    }
    const cmp = compareAddresses(adv.source, this.opts.primaryAddress);
    if (adv.priority < this.effectivePriority || (adv.priority === this.effectivePriority && cmp < 0)) {
      const effects: Effect[] = [];
      if (!this.opts.lowerPrioNoAdvert) effects.push({ type: 'advert', priority: this.effectivePriority });
      effects.push({ type: 'lower-priority-advert', source: adv.source, priority: adv.priority });
      return effects;
    }
    if (adv.priority > this.effectivePriority || cmp > 0) {
      if (this.opts.version === 3) this.masterAdvertIntMs = adv.advertIntMs;
      this.masterAddress = adv.source;
      this.masterPriority = adv.priority;
      const effects: Effect[] = this.opts.higherPrioSendAdvert ? [{ type: 'advert', priority: this.effectivePriority }] : [];
      effects.push(...this.enter('BACKUP', nowMs, false));
      this.deadlineMs = nowMs + this.masterDownMs();
      return effects;
    }
    return []; // equal priority from our own address: nothing to decide
  }

  /** Runs the timer if it is due. */
  tick(nowMs: number): Effect[] {
    if (this.deadlineMs === null || nowMs < this.deadlineMs) return [];
    if (this.state === 'MASTER') {
      this.deadlineMs = nowMs + this.opts.advertIntMs;
      return [{ type: 'advert', priority: this.effectivePriority }];
    }
    if (this.state === 'BACKUP') {
      this.wantMaster = true;
      if (!this.canGoMaster(this)) {
        this.deadlineMs = nowMs + this.masterDownMs();
        return [];
      }
      return this.gotoMaster(nowMs);
    }
    return [];
  }

  /** BACKUP → MASTER: advertise first so the old master drops the addresses before our ARP goes out. */
  gotoMaster(nowMs: number): Effect[] {
    if (this.state !== 'BACKUP') return [];
    this.wantMaster = false;
    this.masterAdvertIntMs = this.opts.advertIntMs;
    this.masterAddress = this.opts.primaryAddress;
    this.masterPriority = this.effectivePriority;
    const effects: Effect[] = [{ type: 'advert', priority: this.effectivePriority }];
    effects.push(...this.enter('MASTER', nowMs, false));
    this.deadlineMs = nowMs + this.opts.advertIntMs;
    return effects;
  }

  /** MASTER → BACKUP without a priority-0 advert (a sync group follows a member; a tracked route was deleted: back after `downMs`). */
  gotoBackup(nowMs: number, downMs = this.masterDownMs()): Effect[] {
    if (this.state !== 'MASTER' && this.state !== 'FAULT') return [];
    const effects = this.enter('BACKUP', nowMs, false);
    this.masterAdvertIntMs = this.opts.advertIntMs;
    this.deadlineMs = nowMs + downMs;
    return effects;
  }

  /** Tracking changed the priority (never for an address owner). */
  setEffectivePriority(nowMs: number, priority: number): Effect[] {
    if (this.isOwner || priority === this.effectivePriority) return [];
    const oldDown = this.masterDownMs();
    this.effectivePriority = priority;
    if (this.state === 'BACKUP' && this.deadlineMs !== null) {
      const newDown = this.masterDownMs();
      if (newDown > oldDown) this.deadlineMs += newDown - oldDown;
    }
    void nowMs;
    return [];
  }

  /** A tracked object failed (or recovered) without a weight: FAULT and back. */
  setFault(nowMs: number, fault: boolean): Effect[] {
    if (fault) {
      if (this.state === 'FAULT' || this.state === 'STOP') return [];
      if (this.state === 'INIT') {
        this.state = 'FAULT';
        return [];
      }
      const wasMaster = this.state === 'MASTER';
      const effects: Effect[] = wasMaster ? [{ type: 'advert', priority: STOP_PRIORITY }] : [];
      effects.push(...this.enter('FAULT', nowMs, wasMaster));
      return effects;
    }
    if (this.state !== 'FAULT') return [];
    this.masterAdvertIntMs = this.opts.advertIntMs;
    this.preemptAtMs = 0;
    const effects = this.enter('BACKUP', nowMs, false);
    this.deadlineMs =
      this.isOwner && this.opts.initialState === 'MASTER'
        ? nowMs + this.opts.advertIntMs + this.skewMs()
        : nowMs + this.masterDownMs();
    return effects;
  }

  /**
   * A reload changed what may change in place (shim/vrrp/reload-plan.ts): the
   * state and the running timer stay; the next advert or timer uses the new
   * values. A v3 backup keeps the interval it learned from its master.
   */
  reconfigure(o: Pick<MachineOptions, 'advertIntMs' | 'basePriority' | 'nopreempt' | 'preemptDelayMs' | 'downTimerAdverts' | 'lowerPrioNoAdvert' | 'higherPrioSendAdvert'>): void {
    Object.assign(this.opts, o);
    if (this.state === 'MASTER' || this.opts.version === 2) this.masterAdvertIntMs = o.advertIntMs;
  }

  /** Shutdown: priority 0 and release unless --dont-release-vrrp. */
  stop(nowMs: number, release: boolean): Effect[] {
    if (this.state === 'STOP') return [];
    const effects: Effect[] = this.state === 'MASTER' && release ? [{ type: 'advert', priority: STOP_PRIORITY }] : [];
    effects.push(...this.enter('STOP', nowMs, this.state === 'MASTER' && release));
    return effects;
  }

  private enter(to: VrrpState, nowMs: number, releaseAddresses: boolean): Effect[] {
    const from = this.state;
    this.state = to;
    this.deadlineMs = to === 'MASTER' ? nowMs + this.opts.advertIntMs : null;
    if (to === 'BACKUP') this.preemptAtMs = from === 'MASTER' ? 0 : this.preemptAtMs;
    if (from === to) return [];
    return [
      {
        type: 'transition',
        from,
        to,
        priority: this.effectivePriority,
        releaseAddresses: releaseAddresses || (from === 'MASTER' && to !== 'STOP'),
      },
    ];
  }
}
