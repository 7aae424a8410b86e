/**
 * keepalived's clear_rp_filter / restore_rp_filter (vrrp_if_config.c): an
 * IPv4 macvlan holds no address of the sender's subnet, so adverts reach it
 * only with rp_filter 0 there, and the kernel applies max(all, interface).
 * When net.ipv4.conf.all.rp_filter is set, its value is first copied to
 * `default` and to every interface below it (so none behaves differently),
 * then `all` is cleared. At stop each value goes back, but only where it is
 * still what was set here: someone else's later change is left alone.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const CONF = '/proc/sys/net/ipv4/conf';
const read = (dev: string): number => Number(readFileSync(`${CONF}/${dev}/rp_filter`, 'utf8').trim());
const write = (dev: string, v: number): void => writeFileSync(`${CONF}/${dev}/rp_filter`, `${v}\n`);

export interface RpFilterSaved {
  all: number;
  /** Interfaces (and `default`) raised to `all`, with the value each had. */
  raised: Map<string, number>;
}

/** Returns what to restore, or null when all.rp_filter was already 0. Throws on an unreadable sysctl. */
export function clearRpFilter(log: (msg: string, fields?: Record<string, unknown>) => void): RpFilterSaved | null {
  const all = read('all');
  if (all === 0) return null;
  const raised = new Map<string, number>();
  for (const dev of ['default', ...readdirSync(CONF).filter((d) => d !== 'all' && d !== 'default')]) {
    const v = read(dev);
    if (v >= all) continue;
    write(dev, all);
    raised.set(dev, v);
  }
  write('all', 0);
  log('rp_filter: net.ipv4.conf.all.rp_filter cleared for use_vmac; its value copied to each interface below it', { all, raised: Object.fromEntries(raised) });
  return { all, raised };
}

export function restoreRpFilter(saved: RpFilterSaved): void {
  if (read('all') === 0) write('all', saved.all);
  for (const [dev, v] of saved.raised) {
    try {
      if (read(dev) === saved.all) write(dev, v);
    } catch {
      /* the interface went away meanwhile: nothing to restore */
    }
  }
}
