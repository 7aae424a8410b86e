/**
 * keepalived's accept mode (RFC 5798 Accept_Mode false): a master that does not
 * own its virtual addresses (priority < 255) must not accept packets sent to
 * them. `no_accept`, and `vrrp_strict` unless `accept` (VRRPv3 only), ask for
 * it. keepalived drops such packets with an nftables table of its own (vrrp.c
 * vrrp_handle_accept_mode, vrrp_nftables.c); the shim does the same with nft,
 * in a table named `vigil`: an input and an output chain at priority -1 that
 * drop traffic to and from a set of addresses, filled while an instance is
 * master and emptied when it leaves. IPv6 neighbour discovery passes, and a
 * link-local address is matched with its interface, as keepalived does.
 *
 * Changes run one at a time in the order asked. A failure is reported to the
 * caller (counted, logged) and never throws; the next transition tries again.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parsePrefix } from '../../core/config/ip.ts';
import type { VirtualAddress } from '../../core/config/vrrp.ts';
import { runCommand, type CommandResult } from './run-command.ts';

export const FIREWALL_TABLE = 'vigil';
const NFT_TIMEOUT_MS = 5_000;
const ND = 'icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept';

type Run = (argv: string[], input: string) => Promise<CommandResult>;

/** Where `nft` is on PATH, or null. */
export function findNft(path = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): string | null {
  for (const dir of [...path.split(delimiter), '/usr/sbin', '/sbin']) {
    const p = join(dir, 'nft');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** An element of the drop sets: the address, and its interface when link-local. */
interface Element {
  family: 4 | 6;
  address: string;
  dev?: string;
}

function elementOf(a: VirtualAddress, defaultDev: string): Element {
  const p = parsePrefix(a.address)!;
  const linkLocal = p.family === 6 && /^fe[89ab]/i.test(p.address);
  return { family: p.family, address: p.address, dev: linkLocal ? (a.dev ?? defaultDev) : undefined };
}

const keyOf = (e: Element) => `${e.family}/${e.address}/${e.dev ?? ''}`;

/** What a Linux interface name can be (IFNAMSIZ, no space, slash or quote): anything else never reaches nft's script. */
const IFNAME = /^[A-Za-z0-9_.:@+-]{1,15}$/;
const badDev = (list: Element[]): string | undefined => list.find((e) => e.dev !== undefined && !IFNAME.test(e.dev))?.dev;

/** The table for one family, replaced whole (add, delete, define: one transaction, so a leftover from a crash goes too). */
export function tableScript(family: 4 | 6, table = FIREWALL_TABLE): string {
  const fam = family === 4 ? 'ip' : 'ip6';
  const set = family === 4 ? 'set vips { type ipv4_addr; }' : 'set vips { type ipv6_addr; }\n  set vips_ll { type ipv6_addr . ifname; }';
  const inRules = family === 4 ? 'ip daddr @vips drop' : `${ND}\n    ip6 daddr . iifname @vips_ll drop\n    ip6 daddr @vips drop`;
  const outRules = family === 4 ? 'ip saddr @vips drop' : `${ND}\n    ip6 saddr . oifname @vips_ll drop\n    ip6 saddr @vips drop`;
  return [
    `add table ${fam} ${table}`,
    `delete table ${fam} ${table}`,
    `table ${fam} ${table} {`,
    `  ${set}`,
    `  chain in {\n    type filter hook input priority -1; policy accept;\n    ${inRules}\n  }`,
    `  chain out {\n    type filter hook output priority -1; policy accept;\n    ${outRules}\n  }`,
    '}',
    '',
  ].join('\n');
}

/** nft's words for one element change. */
export function elementScript(op: 'add' | 'delete', elements: Element[], table = FIREWALL_TABLE): string {
  const lines: string[] = [];
  for (const e of elements) {
    const fam = e.family === 4 ? 'ip' : 'ip6';
    // Interface names are quoted: nft would read some as keywords.
    if (e.dev !== undefined) lines.push(`${op} element ${fam} ${table} vips_ll { ${e.address} . "${e.dev}" }`);
    else lines.push(`${op} element ${fam} ${table} vips { ${e.address} }`);
  }
  return lines.join('\n') + '\n';
}

export interface FirewallResult {
  ok: boolean;
  detail?: string;
}

export class AcceptFirewall {
  private queue: Promise<unknown> = Promise.resolve();
  /** How many masters hold each element (two instances may share an address). */
  private readonly held = new Map<string, number>();
  private readonly tables = new Set<4 | 6>();

  constructor(
    private readonly nft: string,
    private readonly run: Run = (argv, input) => runCommand(argv, { timeoutMs: NFT_TIMEOUT_MS, input }),
    private readonly table = FIREWALL_TABLE,
  ) {}

  /** Before a master adds its addresses: traffic to them is dropped from now on. */
  block(addresses: VirtualAddress[], defaultDev: string): Promise<FirewallResult> {
    return this.enqueue(async () => {
      const bad = badDev(addresses.map((a) => elementOf(a, defaultDev)));
      if (bad !== undefined) return { ok: false, detail: `interface name ${JSON.stringify(bad)} cannot go in an nft rule` };
      const fresh: Element[] = [];
      for (const e of addresses.map((a) => elementOf(a, defaultDev))) {
        const n = this.held.get(keyOf(e)) ?? 0;
        if (n === 0) fresh.push(e);
      }
      for (const fam of new Set(fresh.map((e) => e.family))) {
        if (this.tables.has(fam)) continue;
        const r = await this.nftRun(tableScript(fam, this.table));
        if (!r.ok) return r;
        this.tables.add(fam);
      }
      const r = fresh.length ? await this.nftRun(elementScript('add', fresh, this.table)) : { ok: true };
      if (!r.ok) return r;
      for (const e of addresses.map((a) => elementOf(a, defaultDev))) this.held.set(keyOf(e), (this.held.get(keyOf(e)) ?? 0) + 1);
      return r;
    });
  }

  /** After a master removed its addresses. */
  unblock(addresses: VirtualAddress[], defaultDev: string): Promise<FirewallResult> {
    return this.enqueue(async () => {
      const gone: Element[] = [];
      for (const e of addresses.map((a) => elementOf(a, defaultDev))) {
        const n = this.held.get(keyOf(e)) ?? 0;
        if (n === 0) continue; // never blocked (a failed block): nothing to remove
        if (n === 1) {
          this.held.delete(keyOf(e));
          gone.push(e);
        } else this.held.set(keyOf(e), n - 1);
      }
      return gone.length ? this.nftRun(elementScript('delete', gone, this.table)) : { ok: true };
    });
  }

  /** Shutdown: the tables go, whatever they hold. */
  close(): Promise<FirewallResult> {
    return this.enqueue(async () => {
      const script = [...this.tables].map((f) => `delete table ${f === 4 ? 'ip' : 'ip6'} ${this.table}`).join('\n');
      this.tables.clear();
      this.held.clear();
      return script ? this.nftRun(script + '\n') : { ok: true };
    });
  }

  private enqueue(fn: () => Promise<FirewallResult>): Promise<FirewallResult> {
    const next = this.queue.then(fn, fn).catch((err: unknown) => ({ ok: false, detail: String(err) }));
    this.queue = next;
    return next;
  }

  private async nftRun(script: string): Promise<FirewallResult> {
    const r = await this.run([this.nft, '-f', '-'], script);
    if (r.code === 0 && !r.timedOut) return { ok: true };
    const why = r.timedOut ? `timed out after ${NFT_TIMEOUT_MS} ms` : `exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(0, 3).join(' | ')}`;
    return { ok: false, detail: `nft ${why}` };
  }
}
