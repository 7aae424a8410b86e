/**
 * The host side of `vigil realserver setup`, in the caller's network
 * namespace: addresses on lo read through getifaddrs (os.networkInterfaces)
 * and changed over rtnetlink (shim/vrrp/addresses.ts, iproute2 as its
 * fallback), sysctls read and written as files under /proc/sys/net, which
 * are the namespace's own.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { addAddress, removeAddress } from '../vrrp/addresses.ts';
import { groupsToIpv6, ipv6ToGroups } from '../../core/config/ip.ts';
import { VIP_DEV, type Action, type Observed, type SysctlTarget } from './plan.ts';

export function sysctlPath(t: SysctlTarget): string {
  return `/proc/sys/net/ipv4/conf/${t.iface}/${t.param}`;
}

/** True when the namespace has this interface (its IPv4 conf section exists). */
export function hasInterface(iface: string): boolean {
  return existsSync(`/proc/sys/net/ipv4/conf/${iface}`);
}

export function observe(): Observed {
  const lo = new Set<string>();
  for (const a of networkInterfaces()[VIP_DEV] ?? []) {
    const address = a.family === 'IPv6' ? groupsToIpv6(ipv6ToGroups(a.address)) : a.address;
    if (a.cidr) lo.add(`${address}/${a.cidr.split('/')[1]}`);
  }
  return {
    lo,
    sysctl(t) {
      let text: string;
      try {
        text = readFileSync(sysctlPath(t), 'utf8').trim();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      if (!/^\d{1,3}$/.test(text)) throw new Error(`${sysctlPath(t)}: unexpected content ${JSON.stringify(text.slice(0, 40))}`);
      return Number(text);
    },
  };
}

export type Applied = { ok: true } | { ok: false; detail: string };

export async function apply(a: Action): Promise<Applied> {
  if (a.kind === 'sysctl') {
    try {
      writeFileSync(sysctlPath(a), `${a.value}\n`);
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: `${sysctlPath(a)}: ${(err as Error).message}` };
    }
  }
  const v = { address: a.vip.cidr, options: [] };
  const r = a.kind === 'add-vip' ? await addAddress(v, VIP_DEV) : await removeAddress(v, VIP_DEV);
  return r.ok ? { ok: true } : { ok: false, detail: r.detail ?? 'failed' };
}
