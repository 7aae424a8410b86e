import { expect } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import type { FaultKind, ShimRig } from './shim-rig.ts';

/**
 * The IPVS fault rounds, run against whatever table the rig drives (the
 * stand-in's file on the host, the kernel inside UML). Each round first fails
 * an apply (so the shim can no longer trust the table it remembers and must
 * read), then the read that follows fails the round's way; the Board's next
 * verdict must still reach the table, with no further snapshot to push it.
 */
export const ROUNDS: Array<{ read: FaultKind | null; apply: FaultKind; down: string[]; reasons: string[] }> = [
  { apply: 'fail', read: 'fail', down: ['192.168.1.1'], reasons: ['apply_failed', 'read_failed'] },
  { apply: 'fail', read: 'garbage', down: ['192.168.1.2'], reasons: ['apply_failed', 'read_unparsable'] },
  { apply: 'fail', read: 'hang', down: ['192.168.1.3'], reasons: ['apply_failed', 'read_timeout'] },
  // ipvsadm -R stops at the first line it cannot do: the table is left half-changed, and the next pass finishes it.
  { apply: 'partial', read: null, down: ['192.168.1.1', '192.168.1.2'], reasons: ['apply_failed'] },
];

export interface RoundSeen {
  name: string;
  table: string;
  wanted: string;
  /** Per reason: how many more the shim counted this round. */
  counted: Record<string, number>;
  faultsLeft: number;
  /** The shim's ipvsadm calls this round, in order. */
  calls: string[];
}

export interface RoundsSeen {
  start: { table: string; wanted: string };
  rounds: RoundSeen[];
  faultLines: number;
  burstsOver: number[];
  unhandled: string[];
  exited: boolean;
}

const burstsOver = (out: string) => [...out.matchAll(/"msg":"fault burst over","where":"ipvs","faults":(\d+)/g)].map((m) => Number(m[1]));

/** Runs the rounds; a wait that times out throws, naming the round. */
export async function runIpvsFaultRounds(rig: ShimRig): Promise<RoundsSeen> {
  await rig.publish([]);
  const shim = rig.start();
  await rig.tableIs('every real server in the table', rig.desired([]));
  const seen: RoundsSeen = { start: { table: rig.table(), wanted: rig.desired([]) }, rounds: [], faultLines: 0, burstsOver: [], unhandled: [], exited: false };
  for (const round of ROUNDS) {
    const name = `${round.apply} apply / ${round.read ?? 'no'} read fault, then ${round.down.join(', ')} out`;
    const metric = (reason: string) => rig.metric('vigil_shim_faults_total', { where: 'ipvs', reason });
    const before = await Promise.all(round.reasons.map(metric));
    const calls = rig.calls().length;
    rig.inject('apply', round.apply);
    if (round.read) rig.inject('read', round.read);
    await rig.publish(round.down);
    await rig.tableIs(`the table after the ${name}`, rig.desired(round.down));
    const counted: Record<string, number> = {};
    for (const [i, reason] of round.reasons.entries()) {
      const n = await rig.metricAtLeast(`the ${reason} fault counted (${name})`, 'vigil_shim_faults_total', { where: 'ipvs', reason }, before[i]! + 1);
      counted[reason] = n - before[i]!;
    }
    // The kernel's table can show the batch before the shim has heard ipvsadm exit: its word that the burst is over comes next.
    const overs = seen.rounds.length + 1;
    await eventually(`the shim to say the fault burst is over (${name})`, () => burstsOver(shim.output()).length >= overs || undefined, { timeoutMs: 10_000, detail: () => shim.output().slice(-2000) });
    seen.rounds.push({ name, table: rig.table(), wanted: rig.desired(round.down), counted, faultsLeft: rig.faultsLeft(), calls: rig.calls().slice(calls) });
  }
  const out = shim.output();
  seen.faultLines = out.match(/"msg":"fault","where":"ipvs"/g)?.length ?? 0;
  seen.burstsOver = burstsOver(out);
  seen.unhandled = rig.unhandled();
  seen.exited = shim.hasExited();
  return seen;
}

/** What the rounds must show, on the host and inside UML alike. */
export function expectRounds(seen: RoundsSeen): void {
  expect(seen.start.table).toBe(seen.start.wanted);
  expect(seen.rounds.map((r) => r.name)).toHaveLength(ROUNDS.length);
  for (const [i, r] of seen.rounds.entries()) {
    const round = ROUNDS[i]!;
    expect(r.table, r.name).toBe(r.wanted);
    expect(r.counted, r.name).toEqual(Object.fromEntries(round.reasons.map((x) => [x, 1])));
    expect(r.faultsLeft, `${r.name}: every injected fault was met by a call`).toBe(0);
    const injected = [`apply ${round.apply}`, ...(round.read ? [`read ${round.read}`] : [])];
    expect(r.calls.filter((c) => !c.endsWith(' ok')), `${r.name}: the shim's calls ${r.calls.join(', ')}`).toEqual(injected);
    // Level-triggered: the pass that converged read the table afresh after the fault.
    expect(r.calls.slice(-2), r.name).toEqual(['read ok', 'apply ok']);
  }
  // Once per burst: a "fault" line when a burst starts, a "fault burst over" line with its count when the loop works again.
  expect(seen.faultLines).toBe(ROUNDS.length);
  expect(seen.burstsOver).toEqual(ROUNDS.map((r) => r.reasons.length));
  expect(seen.unhandled).toEqual([]);
  expect(seen.exited).toBe(false);
}
