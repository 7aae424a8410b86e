/**
 * Virtual addresses on and off the host. The usual case goes over rtnetlink
 * through the addon (answered in microseconds, as keepalived does it): a new
 * master adds while the old one removes, and a spawned `ip` took long enough
 * for both to hold the address for a moment. Addresses with options netlink
 * here does not speak (preferred_lft, noprefixroute...) go through iproute2 as
 * an argument list with a deadline. Idempotent either way: "already there" on
 * add and "not there" on delete count as done.
 */
import { constants } from 'node:os';
import type { VirtualAddress } from '../../core/config/vrrp.ts';
import { parsePrefix } from '../../core/config/ip.ts';
import { loadAddon } from './link.ts';
import { runCommand } from './run-command.ts';

const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };

/** Scope as a number, or null when netlink cannot carry this address as configured. */
function netlinkScope(v: VirtualAddress): number | null {
  if (v.options.some((o) => PASS_THROUGH.has(o) || WITH_VALUE.has(o))) return null;
  if (v.scope === undefined) return 0;
  if (/^\d+$/.test(v.scope)) return Number(v.scope) <= 255 ? Number(v.scope) : null;
  return SCOPES[v.scope] ?? null;
}

function viaNetlink(add: boolean, v: VirtualAddress, defaultDev: string): AddressResult | null {
  const scope = netlinkScope(v);
  if (scope === null) return null;
  const p = parsePrefix(v.address)!;
  const len = p.prefixLength ?? (p.family === 4 ? 32 : 128);
  const broadcast = v.broadcast && v.broadcast !== '+' && v.broadcast !== '-' ? v.broadcast : '';
  const rc = loadAddon().address(add, p.family, v.dev ?? defaultDev, p.address, len, v.label ?? '', scope, broadcast, p.family === 6);
  const e = constants.errno;
  const ok = rc === 0 || (add ? rc === -e.EEXIST : rc === -e.EADDRNOTAVAIL || rc === -e.ENODEV);
  return { address: v.address, ok, detail: ok ? undefined : `netlink error ${-rc}` };
}

const IP_TIMEOUT_MS = 5_000;
/** `ip address add` words that may pass through from keepalived's virtual_ipaddress options. */
const PASS_THROUGH = new Set(['home', 'noprefixroute', 'autojoin']);
const WITH_VALUE = new Set(['preferred_lft', 'valid_lft', 'metric']);

export interface AddressResult {
  address: string;
  ok: boolean;
  detail?: string;
}

export function addressWithPrefix(v: VirtualAddress): string {
  const p = parsePrefix(v.address)!;
  return `${p.address}/${p.prefixLength ?? (p.family === 4 ? 32 : 128)}`;
}

export function addArgs(v: VirtualAddress, defaultDev: string): string[] {
  const p = parsePrefix(v.address)!;
  const args = ['ip', p.family === 4 ? '-4' : '-6', 'address', 'add', addressWithPrefix(v), 'dev', v.dev ?? defaultDev];
  if (v.label) args.push('label', v.label);
  if (v.scope) args.push('scope', v.scope);
  if (v.broadcast) args.push('broadcast', v.broadcast);
  for (let i = 0; i < v.options.length; i++) {
    const o = v.options[i]!;
    if (PASS_THROUGH.has(o)) args.push(o);
    else if (WITH_VALUE.has(o) && v.options[i + 1] !== undefined) args.push(o, v.options[++i]!);
  }
  // keepalived adds IPv6 virtual addresses with IFA_F_NODAD: the address moves, it is not new on the link.
  if (p.family === 6) args.push('nodad');
  return args;
}

export function delArgs(v: VirtualAddress, defaultDev: string): string[] {
  const p = parsePrefix(v.address)!;
  return ['ip', p.family === 4 ? '-4' : '-6', 'address', 'del', addressWithPrefix(v), 'dev', v.dev ?? defaultDev];
}

export async function addAddress(v: VirtualAddress, defaultDev: string): Promise<AddressResult> {
  const fast = viaNetlink(true, v, defaultDev);
  if (fast) return fast;
  const r = await runCommand(addArgs(v, defaultDev), { timeoutMs: IP_TIMEOUT_MS });
  const ok = r.code === 0 || /File exists/.test(r.stderr);
  return { address: v.address, ok, detail: ok ? undefined : (r.timedOut ? 'timed out' : r.stderr.trim()) };
}

export async function removeAddress(v: VirtualAddress, defaultDev: string): Promise<AddressResult> {
  const fast = viaNetlink(false, v, defaultDev);
  if (fast) return fast;
  const r = await runCommand(delArgs(v, defaultDev), { timeoutMs: IP_TIMEOUT_MS });
  const ok = r.code === 0 || /Cannot assign requested address|Address not found|No such device/.test(r.stderr);
  return { address: v.address, ok, detail: ok ? undefined : (r.timedOut ? 'timed out' : r.stderr.trim()) };
}
