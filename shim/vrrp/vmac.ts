/**
 * The macvlans of `use_vmac`, kept as keepalived keeps them (vrrp_vmac.c
 * netlink_link_add_vmac / netlink_link_del_vmac, vrrp_if_config.c): a
 * private-mode macvlan with the virtual MAC over the configured interface,
 * IPv6 address generation off, the sysctls keepalived sets, up; deleted at
 * stop with the base interface's ARP sysctls restored.
 *
 * Failure policy: a step that fails is counted, logged once per burst and
 * tried again on the next check; nothing here throws into the VRRP loop. A
 * level-triggered check (sysfs, no process spawned) notices a macvlan that
 * vanished or was replaced and rebuilds it; `onReady` then lets the daemon
 * rebind its socket, since a socket bound to a deleted link hears nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as z from 'zod';
import { addAddress } from './addresses.ts';
import type { Log } from './instance-runtime.ts';
import { primaryAddress } from './link.ts';
import { clearRpFilter, restoreRpFilter, type RpFilterSaved } from './rp-filter.ts';
import { runCommand } from './run-command.ts';
import type { VmacPlan } from '../../core/keepalived/use-vmac.ts';
import { vrrpFault, vrrpOk } from './vrrp-faults.ts';

const IP_TIMEOUT_MS = 5_000;
/** Between checks that every macvlan is still the one set up; a sysfs read each. */
export const VMAC_CHECK_MS = 500;
/** A macvlan that failed is tried again after this long, not at every check. */
export const VMAC_RETRY_MS = 5_000;

/** What `ip -j -d link show dev NAME` says of an interface, as far as this needs (other fields are dropped). */
const LinkShow = z.array(
  z.object({
    ifname: z.string(),
    address: z.string().optional(),
    link: z.string().nullish(),
    linkinfo: z.object({ info_kind: z.string().optional(), info_data: z.object({ mode: z.string().optional() }).optional() }).optional(),
  }),
);

export interface VmacStatus {
  /** Macvlans created (or rebuilt) and deleted by this process. */
  created: number;
  removed: number;
  /** Failed steps (create, sysctl, up, delete); each is tried again. */
  errors: number;
  ready: string[];
  failing: Record<string, string>;
}

function ifindexOf(name: string): number | null {
  try {
    return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
  } catch {
    return null;
  }
}

function sysctl(path: string, value?: number): number | null {
  const file = `/proc/sys/net/${path}`;
  if (value !== undefined) writeFileSync(file, `${value}\n`);
  return Number(readFileSync(file, 'utf8').trim());
}

async function ipCmd(args: string[]): Promise<void> {
  const r = await runCommand(['ip', ...args], { timeoutMs: IP_TIMEOUT_MS });
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.timedOut ? 'timed out' : r.stderr.trim() || `exit ${r.code}`}`);
}

/** The EUI-64 link-local address of a MAC: what keepalived puts on an IPv6 macvlan when the base has none. */
export function linkLocalOf(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const w = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
  return `fe80::${w(b[0]! ^ 2, b[1]!)}:${w(b[2]!, 0xff)}:${w(0xfe, b[3]!)}:${w(b[4]!, b[5]!)}`;
}

export class VmacManager {
  private readonly wanted = new Map<string, VmacPlan>();
  /** Macvlans this process set up, by name, with the ifindex they had then. */
  private readonly ready = new Map<string, number>();
  /** Base interfaces whose arp_ignore/arp_filter we changed: the values to put back and how many macvlans need them. */
  private readonly bases = new Map<string, { arpIgnore: number; arpFilter: number; users: Set<string> }>();
  private readonly failing = new Map<string, string>();
  private readonly failedAt = new Map<string, number>();
  private readonly counts = { created: 0, removed: 0, errors: 0 };
  /** undefined until the first macvlan is configured; null when all.rp_filter was 0 already. */
  private rpFilter: RpFilterSaved | null | undefined;
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly log: Log,
    /** A macvlan was (re)built: sockets bound to that name must be opened again. */
    private readonly onReady: (name: string) => void,
  ) {}

  /** Adds these macvlans to the wanted set and builds the missing ones (resolves after one try each; never rejects). */
  ensure(plans: VmacPlan[]): Promise<void> {
    for (const p of plans) {
      if (!this.wanted.has(p.name)) for (const n of [...p.notices, ...p.notes]) this.log('use_vmac notice', { notice: n });
      this.wanted.set(p.name, p);
    }
    return this.serially(async () => {
      for (const p of plans) await this.check(p);
    });
  }

  /** Deletes the macvlans we built that are not in `keep` (instances a reload removed). */
  prune(keep: VmacPlan[]): Promise<void> {
    const names = new Set(keep.map((p) => p.name));
    return this.serially(async () => {
      for (const name of [...this.wanted.keys()].filter((n) => !names.has(n))) await this.remove(name);
    });
  }

  /** Starts the periodic check. */
  start(): void {
    if (this.timer || this.closed || this.wanted.size === 0) return;
    const loop = () => {
      this.timer = null;
      void this.serially(async () => {
        for (const p of this.wanted.values()) {
          if (ifindexOf(p.name) !== null && ifindexOf(p.name) === this.ready.get(p.name)) continue;
          if (Date.now() - (this.failedAt.get(p.name) ?? 0) >= VMAC_RETRY_MS) await this.check(p);
        }
      }).finally(() => {
        if (!this.closed) this.timer = setTimeout(loop, VMAC_CHECK_MS);
      });
    };
    this.timer = setTimeout(loop, VMAC_CHECK_MS);
  }

  /** --dont-release-vrrp at stop: everything stays as it is, as keepalived leaves it; the next run adopts the macvlans. */
  detach(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.serially(async () => undefined);
  }

  /** At stop: every macvlan we built deleted, base sysctls restored. Bounded by the `ip` deadlines. */
  close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.serially(async () => {
      for (const name of [...this.wanted.keys()]) await this.remove(name);
      try {
        if (this.rpFilter) restoreRpFilter(this.rpFilter);
      } catch (err) {
        this.fail('rp_filter', 'restore', err);
      }
      this.rpFilter = undefined;
    });
  }

  /** Built (or adopted) as planned and not seen gone since. */
  isReady(name: string): boolean {
    return this.ready.has(name);
  }

  status(): VmacStatus {
    return { ...this.counts, ready: [...this.ready.keys()], failing: Object.fromEntries(this.failing) };
  }

  private serially(fn: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(fn, fn);
    return this.queue;
  }

  private fail(name: string, step: string, err: unknown): void {
    this.counts.errors++;
    const detail = `${step}: ${err instanceof Error ? err.message : String(err)}`;
    // Once per burst: a macvlan that keeps failing the same way is logged when it starts failing, not every check.
    vrrpFault('vrrp_vmac', 'setup_failed', `${name}: ${detail}`);
    if (this.failing.get(name) !== detail) this.log('vmac failed; will retry', { vmac: name, detail });
    this.failing.set(name, detail);
    this.failedAt.set(name, Date.now());
  }

  /** Makes `p` exist as planned; adopts a matching macvlan left by an earlier run, as keepalived does. */
  private async check(p: VmacPlan): Promise<void> {
    if (this.closed) return;
    let step = 'inspect';
    try {
      const r = await runCommand(['ip', '-j', '-d', 'link', 'show', 'dev', p.name], { timeoutMs: IP_TIMEOUT_MS });
      const found = r.code === 0 ? LinkShow.parse(JSON.parse(r.stdout))[0] : undefined;
      if (r.code !== 0 && !/does not exist|Cannot find device/.test(r.stderr)) throw new Error(r.timedOut ? 'timed out' : r.stderr.trim());
      const kind = found?.linkinfo?.info_kind;
      if (found && kind !== 'macvlan') throw new Error(`${p.name} exists and is not a macvlan; Vigil will not touch it`);
      const matches = found && found.link === p.base && found.address === p.mac && found.linkinfo?.info_data?.mode === 'private';
      if (found && !matches) {
        step = 'delete the mismatched macvlan';
        await ipCmd(['link', 'del', 'dev', p.name]);
      }
      if (!matches) {
        step = 'create';
        await ipCmd(['link', 'add', 'link', p.base, 'name', p.name, 'address', p.mac, 'type', 'macvlan', 'mode', 'private']);
        this.counts.created++;
      }
      step = 'sysctl';
      this.configure(p);
      // RFC 5798 7.4: no link-local address of the virtual MAC; the kernel only takes this as a separate change.
      step = 'addrgenmode';
      await ipCmd(['link', 'set', 'dev', p.name, 'addrgenmode', 'none']);
      step = 'up';
      await ipCmd(['link', 'set', 'dev', p.name, 'up']);
      if (p.family === 6 && !p.xmitBase) {
        step = 'link-local address';
        // keepalived's set_link_local_address: the configured source, else the interface's link-local, else one made from its MAC.
        const ll = p.source ?? primaryAddress(p.base, 6) ?? linkLocalOf(readFileSync(`/sys/class/net/${p.base}/address`, 'utf8').trim());
        const added = await addAddress({ address: `${ll}/64`, options: [] }, p.name);
        if (!added.ok) throw new Error(added.detail ?? 'failed');
      }
      const index = ifindexOf(p.name);
      if (index === null) throw new Error('gone right after it was set up');
      this.ready.set(p.name, index);
      this.failedAt.delete(p.name);
      if (this.failing.delete(p.name)) this.log('vmac recovered', { vmac: p.name });
      if (this.failing.size === 0) vrrpOk('vrrp_vmac');
      this.log('vmac ready', { vmac: p.name, base: p.base, mac: p.mac, created: !matches });
      this.onReady(p.name);
    } catch (err) {
      this.ready.delete(p.name);
      this.fail(p.name, step, err);
    }
  }

  /** keepalived's set_interface_parameters: arp_ignore etc. on the macvlan; arp_ignore=arp_filter=1 on an IPv4 base. */
  private configure(p: VmacPlan): void {
    this.rpFilter ??= clearRpFilter(this.log);
    const conf = `ipv4/conf/${p.name}`;
    sysctl(`${conf}/arp_ignore`, 1);
    if (p.family === 4) {
      sysctl(`${conf}/accept_local`, 1);
      sysctl(`${conf}/rp_filter`, 0);
      sysctl(`${conf}/promote_secondaries`, 1);
      // No IPv6 on an IPv4 macvlan unless some excluded address needs it (keepalived's link_set_ipv6).
      sysctl(`ipv6/conf/${p.name}/disable_ipv6`, p.otherFamilyExcluded ? 0 : 1);
      let b = this.bases.get(p.base);
      if (!b) {
        b = { arpIgnore: sysctl(`ipv4/conf/${p.base}/arp_ignore`)!, arpFilter: sysctl(`ipv4/conf/${p.base}/arp_filter`)!, users: new Set() };
        sysctl(`ipv4/conf/${p.base}/arp_ignore`, 1);
        sysctl(`ipv4/conf/${p.base}/arp_filter`, 1);
        this.bases.set(p.base, b);
      }
      b.users.add(p.name);
    }
  }

  private async remove(name: string): Promise<void> {
    const p = this.wanted.get(name);
    this.wanted.delete(name);
    this.ready.delete(name);
    this.failing.delete(name);
    if (!p) return;
    const b = this.bases.get(p.base);
    if (b?.users.delete(name) && b.users.size === 0) {
      this.bases.delete(p.base);
      try {
        sysctl(`ipv4/conf/${p.base}/arp_ignore`, b.arpIgnore);
        sysctl(`ipv4/conf/${p.base}/arp_filter`, b.arpFilter);
      } catch (err) {
        this.fail(name, `restore ${p.base} sysctls`, err);
      }
    }
    if (ifindexOf(name) === null) return;
    try {
      await ipCmd(['link', 'del', 'dev', name]);
      this.counts.removed++;
      this.log('vmac removed', { vmac: name });
    } catch (err) {
      this.fail(name, 'delete', err);
    }
  }
}

interface WithVmac {
  ifname: string;
  vmac?: VmacPlan;
}

/** The interface an instance's VRRP socket is bound to: its macvlan, or the base interface with vmac_xmit_base. */
export const advertIfname = (p: WithVmac): string => (p.vmac?.xmitBase ? p.vmac.base : p.ifname);

/** Whose primary address adverts carry: the base interface's (a macvlan holds only virtual addresses). */
export const sourceIfname = (p: WithVmac): string => p.vmac?.base ?? p.ifname;

export const vmacsOf = (plans: WithVmac[]): VmacPlan[] => plans.flatMap((p) => (p.vmac ? [p.vmac] : []));
