/**
 * Virtual addresses on and off the host through iproute2, each call an
 * argument list with a deadline. Idempotent: "already there" on add and
 * "not there" on delete both count as done.
 */
import type { VirtualAddress } from '../../core/config/vrrp.ts';
import { parsePrefix } from '../../core/config/ip.ts';
import { runCommand } from './run-command.ts';

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
  const r = await runCommand(addArgs(v, defaultDev), { timeoutMs: IP_TIMEOUT_MS });
  const ok = r.code === 0 || /File exists/.test(r.stderr);
  return { address: v.address, ok, detail: ok ? undefined : (r.timedOut ? 'timed out' : r.stderr.trim()) };
}

export async function removeAddress(v: VirtualAddress, defaultDev: string): Promise<AddressResult> {
  const r = await runCommand(delArgs(v, defaultDev), { timeoutMs: IP_TIMEOUT_MS });
  const ok = r.code === 0 || /Cannot assign requested address|Address not found|No such device/.test(r.stderr);
  return { address: v.address, ok, detail: ok ? undefined : (r.timedOut ? 'timed out' : r.stderr.trim()) };
}
