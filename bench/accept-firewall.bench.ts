/**
 * What accept mode adds to a VRRP transition (shim/vrrp/accept-firewall.ts):
 * the shim spawns `nft -f -` to put a master's addresses in its drop set
 * before it adds them, and to take them out after it removes them. keepalived
 * makes the same change in-process over netlink (libnftnl), which Node has
 * no binding for. Peers in the same run and namespace: the address change the
 * nft call precedes (the shim's own netlink path, addresses.ts) and the same
 * change made by a spawned `ip address` (what any spawned network command
 * costs here). Runs in a network namespace of its own, removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { AcceptFirewall, findNft } from '../shim/vrrp/accept-firewall.ts';
import { runCommand } from '../shim/vrrp/run-command.ts';
import { fmt, stats, table, type BenchSection } from './harness.ts';

const RUNS = 41;
const NS = `vgfwb-${process.pid}`;

const ipNs = (args: string[]) => {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
};

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function run(): Promise<BenchSection> {
  const nft = findNft();
  if (!nft || process.getuid?.() !== 0) {
    return { title: 'accept mode: the nft call per transition', markdown: 'Not measured: needs root and nft (infra/install-test-deps.sh installs nftables).' };
  }
  const loadAtStart = loadavg().map((l) => l.toFixed(2)).join(' ');
  ipNs(['netns', 'add', NS]);
  try {
    ipNs(['-n', NS, 'link', 'set', 'lo', 'up']);
    // The firewall's nft runs inside the namespace, as the shim's does inside its own.
    const inNs = (argv: string[], input: string) => runCommand(['ip', 'netns', 'exec', NS, ...argv], { timeoutMs: 10_000, input });
    const nsFloor = (): Promise<number> => timed(() => runCommand(['ip', 'netns', 'exec', NS, 'true'], { timeoutMs: 10_000 }));
    const va = [{ address: '192.0.2.10/32', options: [] }] as unknown as Parameters<AcceptFirewall['block']>[0];
    const first: number[] = [];
    const block: number[] = [];
    const unblock: number[] = [];
    const floor: number[] = [];
    const ipAdd: number[] = [];
    const ipDel: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const fw = new AcceptFirewall(nft, inNs);
      first.push(await timed(() => fw.block(va, 'lo'))); // makes the table, then the element
      await fw.unblock(va, 'lo');
      block.push(await timed(() => fw.block(va, 'lo')));
      unblock.push(await timed(() => fw.unblock(va, 'lo')));
      await fw.close();
      floor.push(await nsFloor());
      ipAdd.push(await timed(() => runCommand(['ip', 'netns', 'exec', NS, 'ip', 'address', 'add', '192.0.2.10/32', 'dev', 'lo'], { timeoutMs: 10_000 })));
      ipDel.push(await timed(() => runCommand(['ip', 'netns', 'exec', NS, 'ip', 'address', 'del', '192.0.2.10/32', 'dev', 'lo'], { timeoutMs: 10_000 })));
    }
    const rows = [
      ['first block of a run (table made, then the element)', first],
      ['block (element in), per becoming MASTER', block],
      ['unblock (element out), per leaving MASTER', unblock],
      ['peer: `ip address add` spawned', ipAdd],
      ['peer: `ip address del` spawned', ipDel],
      ['floor: `ip netns exec NS true`', floor],
    ].map(([what, ms]) => {
      const s = stats(ms as number[]);
      return [what as string, fmt(s.median, 2), fmt(s.p99, 2), fmt(s.min, 2)];
    });
    return {
      title: 'accept mode: the nft call per transition',
      markdown: [
        `${RUNS} runs per row, each a whole \`nft -f -\` process through \`ip netns exec\` (as the bench runs it; the shim runs nft directly in its own namespace, so the floor row's cost is not part of the shim's). The rows after it are spawned \`ip\` commands and a spawned \`true\`, measured in the same run for comparison.`,
        'The shim adds the element before the addresses go on and removes it after they are off; an instance whose accept mode is on (the default without vrrp_strict) makes no nft call.',
        `Load average at start: ${loadAtStart}; at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (${availableParallelism()} CPUs).`,
        '',
        table(['step', 'ms (median)', 'p99 ms', 'min ms'], rows),
      ].join('\n'),
    };
  } finally {
    spawnSync('ip', ['netns', 'del', NS], { timeout: 10_000 });
  }
}
