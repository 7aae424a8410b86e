import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Snapshot } from '../../core/vote/snapshot.ts';
import { handlesSignal } from '../helpers/daemon.ts';
import { eventually } from '../helpers/eventually.ts';
import { prng } from '../helpers/prng.ts';
import { verdictFor } from '../ipvs/snapshots.ts';
import { REAL_SERVERS, ShimRig, type FaultCall, type FaultKind } from '../ipvs/shim-rig.ts';
import { keepalivedConf } from '../vrrp/conf.ts';
import { Lab } from '../vrrp/lab.ts';

/**
 * A bounded soak: a real `vigil shim` (ShimRig: TestBoard signing real
 * snapshots, the ipvsadm backend on fault-ipvsadm.mjs) while a seeded schedule
 * mixes every fault the fault tests inject one at a time: failed, hung,
 * unparsable and cut-short ipvsadm calls; malformed, forged and replayed
 * frames; Board restarts, mid-frame drops, transport switches; outages longer
 * than a snapshot lives; shim restarts on the same state directory.
 *
 * Invariants are sampled every SAMPLE_MS, each an object of its own (a VRRP
 * "never two masters" sampler fits the same shape, see Invariant):
 *  - the shim never exits but when the schedule restarts it, and never logs an unhandled fault;
 *  - while a fresh valid snapshot exists, the table equals its desired table (within CONVERGE_MS: faults are retried with backoff);
 *  - while none does, the table never changes (baseline taken HOLD_SETTLE_MS after expiry: the shim's tick notices expiry);
 *  - the table never shows what only a replayed or forged snapshot says (weight FORBIDDEN_WEIGHT);
 *  - with `vrrp`: the shim runs in a VRRP lab's director (priority 150) beside Debian's keepalived (100) for one
 *    virtual address, and never do both hold it on two samples in a row (HolderWatch's "lasting double": a
 *    handover may overlap for less than a poll).
 */
export interface Invariant {
  readonly name: string;
  /** Called every SAMPLE_MS; a string is a violation, said once per distinct text. */
  sample(nowMs: number): string | null | Promise<string | null>;
}

export interface SoakReport {
  seed: number;
  minutes: number;
  actions: Record<string, number>;
  /** The shim's own counts, summed over its restarts: vigil_shim_faults_total and vigil_shim_snapshots_rejected_total by label. */
  shimFaults: Record<string, number>;
  rejected: Record<string, number>;
  published: number;
  samples: number;
  holdWindows: number;
  maxDivergenceMs: number;
  /** Samples an instrument failed to take (counted, logged; a violation past a tenth of them). */
  sampleErrors: number;
  /** With `vrrp`: samples by who held the virtual address, and samples where both did. */
  vrrp?: { shim: number; keepalived: number; none: number; doubles: number };
  violations: string[];
}

const TTL_MS = 4000;
const REISSUE_MS = 1200;
const SAMPLE_MS = 100;
/** Faults back off (500 ms doubling, up to the 30 s resync) and transports fall back: a bound on convergence, not a timing goal. */
const CONVERGE_MS = 30_000;
const HOLD_SETTLE_MS = 2500;
/**
 * The weight only replayed and forged snapshots give: never published for real, and never part of a
 * half-applied batch either (those hold only real weights), so seeing it in the table means one was applied.
 */
const FORBIDDEN_WEIGHT = 77;
const IPVS_FAULTS: Array<[FaultCall, FaultKind]> = [
  ['read', 'fail'],
  ['read', 'garbage'],
  ['read', 'hang'],
  ['apply', 'fail'],
  ['apply', 'partial'],
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSoak(o: { minutes: number; seed?: number; vrrp?: boolean; log?: (line: string) => void; extraInvariants?: (rig: ShimRig) => Invariant[] }): Promise<SoakReport> {
  const seed = o.seed ?? Date.now() % 1_000_000;
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const log = o.log ?? (() => undefined);
  const report: SoakReport = { seed, minutes: o.minutes, actions: {}, shimFaults: {}, rejected: {}, published: 0, samples: 0, holdWindows: 0, maxDivergenceMs: 0, sampleErrors: 0, violations: [] };
  const violation = (v: string) => {
    if (!report.violations.includes(v)) {
      report.violations.push(v);
      log(`VIOLATION ${v}`);
    }
  };
  const lab = o.vrrp ? new Lab(2, 250).create() : null;
  const vip = lab?.vip() ?? '';
  const instance = (priority: number) => keepalivedConf(`soak${priority}`, [{ vip: `${vip}/24`, priority }]);
  let rig: ShimRig;
  try {
    rig = await new ShimRig(lab ? { netns: lab.directors[0]!.ns, extraConf: instance(150) } : {}).init();
  } catch (err) {
    await lab?.destroy();
    throw err;
  }
  let down: string[] = [];
  let freshUntilMs = 0;
  let reissuing = true;
  let restarting = false;
  let boardUp = true;
  const boardStop = async () => {
    if (!boardUp) return;
    boardUp = false;
    await rig.board.stop();
  };
  const boardStart = async () => {
    if (boardUp) return;
    await rig.board.start();
    boardUp = true;
  };

  const publish = async () => {
    // Fresh from before it can reach the shim: the hold check must never see it applied while "stale".
    freshUntilMs = Math.max(freshUntilMs, Date.now() + TTL_MS);
    const s = await rig.publish(down, TTL_MS);
    report.published++;
    return s;
  };
  /** The shim's counters, before a restart resets them. */
  const harvest = async () => {
    for (const l of rig.unhandled()) violation(`unhandled fault: ${l}`);
    for (const line of (await rig.metrics()).split('\n')) {
      const f = /^vigil_shim_faults_total\{where="([^"]+)",reason="([^"]+)"\} (\d+)$/.exec(line);
      if (f) report.shimFaults[`${f[1]}/${f[2]}`] = (report.shimFaults[`${f[1]}/${f[2]}`] ?? 0) + Number(f[3]);
      const r = /^vigil_shim_snapshots_rejected_total\{reason="([^"]+)"\} (\d+)$/.exec(line);
      if (r) report.rejected[r[1]!] = (report.rejected[r[1]!] ?? 0) + Number(r[2]);
    }
  };

  // Invariants.
  let divergedSinceMs: number | null = null;
  let hold: { baseline: string; since: number } | null = null;
  const invariants: Invariant[] = [
    {
      name: 'shim alive',
      sample: () => (!restarting && rig.shim?.hasExited() ? `the shim exited on its own: ${rig.shim.output().slice(-1500)}` : rig.unhandled()[0] ? `unhandled fault: ${rig.unhandled()[0]}` : null),
    },
    {
      name: 'fresh: table equals desired',
      sample: (now) => {
        const table = rig.table();
        if (now >= freshUntilMs || table === rig.desired(down)) {
          if (divergedSinceMs !== null) report.maxDivergenceMs = Math.max(report.maxDivergenceMs, now - divergedSinceMs);
          divergedSinceMs = null;
          return null;
        }
        divergedSinceMs ??= now;
        return now - divergedSinceMs > CONVERGE_MS ? `table differs from the fresh verdict (${down.join(', ') || 'none'} down) for over ${CONVERGE_MS} ms:\n${table}` : null;
      },
    },
    {
      name: 'stale: table unchanged',
      sample: (now) => {
        if (now < freshUntilMs + HOLD_SETTLE_MS) {
          hold = null;
          return null;
        }
        const table = rig.table();
        if (!hold) {
          hold = { baseline: table, since: now };
          report.holdWindows++;
          return null;
        }
        return table === hold.baseline ? null : `the table changed while no fresh snapshot existed (holding since ${now - hold.since} ms):\n${hold.baseline}\n-> \n${table}`;
      },
    },
    { name: 'no replay applied', sample: () => (rig.table().includes(` -w ${FORBIDDEN_WEIGHT}`) ? `the table shows a verdict only a replayed or forged snapshot had:\n${rig.table()}` : null) },
    ...(lab ? [vrrpInvariant(lab, vip, (report.vrrp = { shim: 0, keepalived: 0, none: 0, doubles: 0 }))] : []),
    ...(o.extraInvariants?.(rig) ?? []),
  ];

  const forbidden = (): Snapshot['virtualServers'] => verdictFor(rig.config, []).map((vs) => ({ ...vs, realServers: vs.realServers.map((r) => ({ ...r, weight: FORBIDDEN_WEIGHT })) }));
  /**
   * A signed snapshot with the forbidden weight, at or below a sequence the shim has applied (its state file says which:
   * one the Board published but the shim never got would be news to it, not a replay), valid for a minute.
   */
  const replayOf = async (): Promise<{ body: Uint8Array; signature: string; seq: number }> => {
    const now = Date.now();
    let applied = 1;
    try {
      applied = (JSON.parse(readFileSync(join(rig.stateDir, 'replay.json'), 'utf8')) as { last?: { seq: number } }).last?.seq ?? 1;
    } catch {
      // nothing applied yet: seq 1 is at most what comes first
    }
    const seq = Math.max(1, applied - Math.floor(rnd() * 3));
    const s: Snapshot = { v: 1, cluster: 'c1', seq, configVersion: 1, issuedAtMs: now, expiresAtMs: now + 60_000, virtualServers: forbidden() };
    return { ...(await rig.board.sign(s)), seq };
  };

  const actions: Record<string, () => Promise<void>> = {
    'verdict change': async () => {
      down = REAL_SERVERS.filter(() => rnd() < 0.4).slice(0, 2);
      await publish();
    },
    'ipvs fault': async () => {
      const [call, kind] = pick(IPVS_FAULTS);
      // A read is only made after a failure or a resync: an apply fault first makes the next pass read.
      if (call === 'read') rig.inject('apply', 'fail');
      rig.inject(call, kind);
      down = REAL_SERVERS.filter(() => rnd() < 0.4).slice(0, 2);
      await publish();
    },
    'malformed frame': async () => {
      if (rig.board.websocket) rig.board.pushText('{"type":"snapshot", not json');
      else {
        const body = new TextEncoder().encode('{"v":1}');
        rig.board.offer(body, await rig.board.signBytes(body), rig.board.seq + 1);
      }
    },
    'forged frame': async () => {
      const now = Date.now();
      const forged = await rig.board.forge({ v: 1, cluster: 'c1', seq: rig.board.seq + 1, configVersion: 1, issuedAtMs: now, expiresAtMs: now + 60_000, virtualServers: forbidden() });
      rig.board.offer(forged.body, forged.signature, rig.board.seq + 1);
    },
    replay: async () => {
      const r = await replayOf();
      rig.board.offer(r.body, r.signature, r.seq);
    },
    'board restart': async () => {
      await boardStop();
      await sleep(300 + rnd() * 1500);
      await boardStart();
    },
    'mid-frame drop': async () => {
      if (rig.board.websocket) {
        rig.board.cutNext = true;
        rig.board.dropSockets();
      } else {
        rig.board.cutPollNext = true;
        await publish();
      }
    },
    'transport switch': async () => {
      rig.board.websocket = !rig.board.websocket;
      rig.board.dropSockets();
    },
    outage: async () => {
      reissuing = false;
      if (rnd() < 0.5) await boardStop();
      await sleep(TTL_MS + HOLD_SETTLE_MS + 1500 + rnd() * 2000);
      // A replay during the outage, while nothing fresh exists: it must not touch the held table.
      if (rnd() < 0.5) {
        await boardStart();
        const r = await replayOf();
        rig.board.offer(r.body, r.signature, r.seq);
        await sleep(1500);
      }
      await boardStart();
      reissuing = true;
      await publish();
    },
    'shim restart': async () => {
      await harvest();
      restarting = true;
      const code = await rig.shim!.stop();
      if (code !== 0) violation(`a stopped shim exited ${code}`);
      const shim = rig.start(['--dont-release-ipvs']);
      // Until its handler is in, SIGTERM does Node's default (the next restart would kill it, not stop it).
      await eventually('the restarted shim to handle SIGTERM', () => handlesSignal(shim.pid, 'SIGTERM'), { timeoutMs: 30_000 });
      restarting = false;
      // Right after a restart, the older snapshot, still valid: refused by the state directory's floor.
      const r = await replayOf();
      rig.board.offer(r.body, r.signature, r.seq);
    },
  };
  const weights: Array<[string, number]> = [
    ['verdict change', 6],
    ['ipvs fault', 5],
    ['malformed frame', 2],
    ['forged frame', 2],
    ['replay', 2],
    ['board restart', 2],
    ['mid-frame drop', 2],
    ['transport switch', 2],
    ['outage', 1],
    ['shim restart', 1],
  ];
  const total = weights.reduce((a, [, w]) => a + w, 0);
  const chooseAction = () => {
    let x = rnd() * total;
    for (const [name, w] of weights) if ((x -= w) < 0) return name;
    return weights[0]![0];
  };

  const endAt = Date.now() + o.minutes * 60_000;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const now = Date.now();
      for (const inv of invariants) {
        // An instrument that fails once (an `ip` that could not be spawned on a loaded machine) is no finding; one that keeps failing is.
        try {
          const v = await inv.sample(now);
          if (v) violation(`${inv.name}: ${v}`);
        } catch (err) {
          report.sampleErrors++;
          log(`sample of ${inv.name} failed: ${(err as Error).message}`);
        }
      }
      report.samples++;
      await sleep(SAMPLE_MS);
    }
  })();
  const reissuer = setInterval(() => {
    if (reissuing) void publish().catch(() => undefined);
  }, REISSUE_MS);

  try {
    await publish();
    rig.start(['--dont-release-ipvs']);
    await rig.tableIs('the first verdict in the table', rig.desired(down), 30_000);
    if (lab) lab.keepalived(lab.directors[1]!, 'keepalived', lab.write('keepalived.conf', instance(100)));
    while (Date.now() < endAt - 5000) {
      const name = chooseAction();
      report.actions[name] = (report.actions[name] ?? 0) + 1;
      log(`${new Date().toISOString()} ${name}`);
      await actions[name]!();
      await sleep(500 + rnd() * 1500);
    }
    // The end: everything fresh again, the table must converge once more.
    reissuing = true;
    await boardStart();
    await publish();
    await rig.tableIs('the last verdict in the table at the end', rig.desired(down), CONVERGE_MS).catch((err: Error) => violation(`end: ${err.message.slice(0, 1500)}`));
  } finally {
    clearInterval(reissuer);
    sampling = false;
    // Whatever failed, the shim, the relays, keepalived and the namespaces go.
    try {
      await sampler;
      if (report.sampleErrors > report.samples / 10) violation(`${report.sampleErrors} of ${report.samples} samples could not be taken: the invariants were not watched`);
      await harvest();
    } finally {
      await rig.close().finally(() => lab?.destroy());
    }
  }
  return report;
}

/** Never two masters: both directors holding the address on two samples in a row is a violation. */
function vrrpInvariant(lab: Lab, vip: string, seen: NonNullable<SoakReport['vrrp']>): Invariant {
  let before = 0;
  return {
    name: 'vrrp: never two masters',
    sample: () => {
      const holders = lab.holders(vip);
      if (holders.length > 1) seen.doubles++;
      else if (holders.length === 0) seen.none++;
      else if (holders[0] === lab.directors[0]) seen.shim++;
      else seen.keepalived++;
      const lasting = holders.length > 1 && before > 1;
      before = holders.length;
      return lasting ? `${holders.map((d) => d.ns).join(' and ')} both hold ${vip} on two samples in a row` : null;
    },
  };
}
