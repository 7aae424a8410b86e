/**
 * The on-host half of a secondary private IP: AWS routes the address to the
 * interface, but the kernel answers for it only once it is on the interface.
 * iproute2 as argument lists with a deadline; the `ip` prefix is a parameter so
 * tests run it inside a network namespace they made (`ip netns exec NS ip`).
 */
import * as z from 'zod';
import { runCommand } from '../vrrp/run-command.ts';
import { fail, ok, type CloudResult } from './cloud-result.ts';
import type { Moved } from './backend.ts';

export interface LocalAddress {
  ensure(address: string, signal: AbortSignal): Promise<CloudResult<Moved>>;
  remove(address: string, signal: AbortSignal): Promise<CloudResult<Moved>>;
}

const IpAddrJson = z.array(z.object({ ifname: z.string(), addr_info: z.array(z.object({ local: z.string(), prefixlen: z.number() })).default([]) }));

export const IP_TIMEOUT_MS = 3_000;

export class IprouteLocalAddress implements LocalAddress {
  constructor(
    private readonly device: string,
    private readonly ip: readonly string[] = ['ip'],
  ) {}

  private async present(address: string, signal: AbortSignal): Promise<CloudResult<boolean>> {
    const r = await runCommand([...this.ip, '-j', 'addr', 'show', 'dev', this.device], { timeoutMs: IP_TIMEOUT_MS, signal });
    if (r.code !== 0) return fail('ERR_CLOUD_REQUEST', `ip addr show dev ${this.device}: ${r.stderr.trim() || `exit ${r.code}`}`);
    let doc: unknown;
    try {
      doc = JSON.parse(r.stdout);
    } catch {
      return fail('ERR_CLOUD_REQUEST', 'ip -j addr show: not JSON');
    }
    const parsed = IpAddrJson.safeParse(doc);
    if (!parsed.success) return fail('ERR_CLOUD_REQUEST', `ip -j addr show: ${parsed.error.issues[0]?.message}`);
    return ok(parsed.data.some((i) => i.addr_info.some((a) => a.local === address)));
  }

  private async change(verb: 'add' | 'del', address: string, signal: AbortSignal): Promise<CloudResult<Moved>> {
    const has = await this.present(address, signal);
    if (!has.ok) return has;
    if (has.value === (verb === 'add')) return ok({ changed: false });
    const r = await runCommand([...this.ip, 'addr', verb, `${address}/32`, 'dev', this.device], { timeoutMs: IP_TIMEOUT_MS, signal });
    if (r.code !== 0) return fail('ERR_CLOUD_REQUEST', `ip addr ${verb} ${address}/32 dev ${this.device}: ${r.stderr.trim() || `exit ${r.code}`}`);
    return ok({ changed: true });
  }

  ensure(address: string, signal: AbortSignal) {
    return this.change('add', address, signal);
  }
  remove(address: string, signal: AbortSignal) {
    return this.change('del', address, signal);
  }
}

/** Records the iproute2 argument lists it would run and keeps the address set in memory. */
export class DryRunLocalAddress implements LocalAddress {
  readonly addresses = new Set<string>();
  readonly commands: string[][] = [];

  constructor(private readonly device = 'eth0') {}

  async ensure(address: string): Promise<CloudResult<Moved>> {
    if (this.addresses.has(address)) return ok({ changed: false });
    this.commands.push(['ip', 'addr', 'add', `${address}/32`, 'dev', this.device]);
    this.addresses.add(address);
    return ok({ changed: true });
  }

  async remove(address: string): Promise<CloudResult<Moved>> {
    if (!this.addresses.has(address)) return ok({ changed: false });
    this.commands.push(['ip', 'addr', 'del', `${address}/32`, 'dev', this.device]);
    this.addresses.delete(address);
    return ok({ changed: true });
  }
}
