/**
 * The accept-mode drop rules (shim/vrrp/accept-firewall.ts) against the real
 * kernel and nft, in a namespace of the test's own: what the table holds as
 * masters come and go, that it really drops traffic to a blocked address
 * (and only that), and that shutdown removes it.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcceptFirewall, elementScript, findNft, tableScript } from '../../shim/vrrp/accept-firewall.ts';
import { runCommand } from '../../shim/vrrp/run-command.ts';
import { skipTitle } from '../helpers/skip-reason.ts';
import { ip, labUnavailable } from './lab.ts';

const nft = findNft();
const skip = labUnavailable() ?? (nft ? null : 'nft is not installed (infra/install-test-deps.sh installs nftables)');
const NS = `vgfw-${process.pid}`;
const inNs = (argv: string[], input: string) => runCommand(['ip', 'netns', 'exec', NS, ...argv], { timeoutMs: 10_000, input });
const va = (address: string, dev?: string) => ({ address, dev, options: [] }) as unknown as Parameters<AcceptFirewall['block']>[0][number];

function tables(): string[] {
  const r = spawnSync('ip', ['netns', 'exec', NS, nft!, '-j', 'list', 'tables'], { encoding: 'utf8', timeout: 10_000 });
  const j = JSON.parse(r.stdout || '{"nftables":[]}') as { nftables: Array<{ table?: { family: string; name: string } }> };
  return j.nftables.flatMap((x) => (x.table ? [`${x.table.family} ${x.table.name}`] : []));
}

function elements(family: 'ip' | 'ip6', set: string): string[] {
  const r = spawnSync('ip', ['netns', 'exec', NS, nft!, '-j', 'list', 'set', family, 'vigil', set], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return [`(no set: ${r.stderr.trim()})`];
  const j = JSON.parse(r.stdout) as { nftables: Array<{ set?: { elem?: unknown[] } }> };
  return (j.nftables.find((x) => x.set)?.set?.elem ?? []).map((e) => JSON.stringify(e));
}

/** One ping with a one-second deadline: did an answer come back? */
const answers = (addr: string) => spawnSync('ip', ['netns', 'exec', NS, 'ping', '-n', '-c', '1', '-W', '1', addr], { timeout: 10_000 }).status === 0;

describe.skipIf(!!skip)(skipTitle('accept-mode firewall: nft in a namespace', skip), () => {
  beforeAll(() => {
    ip(['netns', 'add', NS]);
    ip(['-n', NS, 'link', 'set', 'lo', 'up']);
    ip(['-n', NS, 'address', 'add', '192.0.2.10/32', 'dev', 'lo']);
    ip(['-n', NS, 'address', 'add', '192.0.2.11/32', 'dev', 'lo']);
  });
  afterAll(() => {
    ip(['netns', 'del', NS], true);
  });

  it('the scripts say what keepalived installs: drop in and out at priority -1, neighbour discovery allowed, link-local by interface', () => {
    expect(tableScript(4)).toContain('type filter hook input priority -1; policy accept;\n    ip daddr @vips drop');
    expect(tableScript(4)).toContain('type filter hook output priority -1; policy accept;\n    ip saddr @vips drop');
    expect(tableScript(6)).toContain('icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n    ip6 daddr . iifname @vips_ll drop');
    expect(elementScript('add', [{ family: 6, address: 'fe80::1', dev: 'eth0' }])).toBe('add element ip6 vigil vips_ll { fe80::1 . "eth0" }\n');
  });

  it('blocks while master, counts shared addresses, unblocks, and removes its tables at close; traffic to a blocked address is dropped', async () => {
    const fw = new AcceptFirewall(nft!, inNs);
    expect(answers('192.0.2.10'), 'before any rule').toBe(true);
    // Two instances holding one address, and an IPv6 pair: one link-local (kept with its interface), one global.
    expect(await fw.block([va('192.0.2.10/24')], 'eth0')).toEqual({ ok: true });
    expect(await fw.block([va('192.0.2.10'), va('fe80::10'), va('2001:db8::10/64')], 'eth0')).toEqual({ ok: true });
    expect(tables().sort()).toEqual(['ip vigil', 'ip6 vigil']);
    expect(elements('ip', 'vips')).toEqual(['"192.0.2.10"']);
    expect(elements('ip6', 'vips')).toEqual(['"2001:db8::10"']);
    expect(elements('ip6', 'vips_ll')).toEqual(['{"concat":["fe80::10","eth0"]}']);
    // The blocked address no longer answers; its neighbour on the same interface still does.
    expect(answers('192.0.2.10'), 'blocked address').toBe(false);
    expect(answers('192.0.2.11'), 'unblocked address').toBe(true);
    // The first master leaves: the second still holds 192.0.2.10.
    expect(await fw.unblock([va('192.0.2.10/24')], 'eth0')).toEqual({ ok: true });
    expect(elements('ip', 'vips')).toEqual(['"192.0.2.10"']);
    expect(await fw.unblock([va('192.0.2.10'), va('fe80::10'), va('2001:db8::10/64')], 'eth0')).toEqual({ ok: true });
    expect(elements('ip', 'vips')).toEqual([]);
    expect(answers('192.0.2.10'), 'unblocked again').toBe(true);
    // An address never blocked is no error.
    expect(await fw.unblock([va('192.0.2.99')], 'eth0')).toEqual({ ok: true });
    expect(await fw.close()).toEqual({ ok: true });
    expect(tables()).toEqual([]);
  });

  it('replaces a leftover table from a crash, and reports a failure instead of throwing', async () => {
    const crashed = new AcceptFirewall(nft!, inNs);
    await crashed.block([va('192.0.2.10')], 'eth0');
    // A new process knows nothing of the old table: it replaces it whole, so no stale address stays blocked.
    const fw = new AcceptFirewall(nft!, inNs);
    expect(await fw.block([va('192.0.2.11')], 'eth0')).toEqual({ ok: true });
    expect(elements('ip', 'vips')).toEqual(['"192.0.2.11"']);
    // An interface name that could end nft's quoted string is refused before any script is written.
    const name = 'x" } ; flush ruleset ; #';
    const hostile = await fw.block([va('fe80::66', name)], 'eth0');
    expect(hostile).toEqual({ ok: false, detail: `interface name ${JSON.stringify(name)} cannot go in an nft rule` });
    expect(elements('ip', 'vips')).toEqual(['"192.0.2.11"']);
    const broken = new AcceptFirewall('/nonexistent/nft', inNs);
    const r = await broken.block([va('192.0.2.12')], 'eth0');
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^nft exit/);
    await fw.close();
    expect(tables()).toEqual([]);
  });
});
