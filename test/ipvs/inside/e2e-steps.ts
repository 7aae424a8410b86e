/**
 * Runs inside UML (test/ipvs/e2e-uml.test.ts): a Board (the test Board, on
 * the UML kernel's loopback), the real `vigil shim` CLI with the ipvsadm
 * backend, and the scenario the issue names. Prints the kernel's table after
 * each step; the test outside asserts on it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKeepalivedConfig, singleFileHost } from '../../../core/keepalived/index.ts';
import type { Snapshot } from '../../../core/vote/snapshot.ts';
import { eventually, within } from '../../helpers/eventually.ts';
import { verdictFor } from '../snapshots.ts';
import { TestBoard } from '../test-board.ts';

const STEP = 'VIGIL-STEP ';
const REPO = join(import.meta.dirname, '../../..');
const TTL_MS = 3000;
const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
const CONF = `virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo rr
  real_server 192.168.1.1 80 {
    weight 2
  }
  real_server 192.168.1.2 80 {
    weight 1
    inhibit_on_failure
  }
}
virtual_server 10.0.0.1 443 {
  protocol TCP
  quorum 2
  sorry_server 192.168.9.9 443
  real_server 192.168.1.1 443 {
    weight 1
  }
  real_server 192.168.1.2 443 {
    weight 1
  }
}
`;
writeFileSync(join(dir, 'keepalived.conf'), CONF);
const config = (() => {
  const r = readKeepalivedConfig('k.conf', { host: singleFileHost('k.conf', CONF), configId: 'x' });
  if (!r.ok) throw new Error('config');
  return r.config;
})();

const kernel = () => spawnSync('ipvsadm', ['-Sn'], { encoding: 'utf8', timeout: 10_000 }).stdout.split('\n').filter(Boolean).sort().join('\n');
/** Waits for the kernel's table to show `text`; at the deadline the run ends, saying what it waited for and what the table held. */
const tableShows = (what: string, text: string, timeoutMs: number) => eventually(what, () => kernel().includes(text), { timeoutMs, detail: () => `kernel:\n${kernel()}\nshim:\n${shimOut.slice(-3000)}` });
async function metrics(): Promise<string> {
  try {
    return await (await fetch('http://127.0.0.1:9109/metrics', { signal: AbortSignal.timeout(3000) })).text();
  } catch (e) {
    return `metrics failed: ${(e as Error).message}`;
  }
}
const metric = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).join('; ');
function step(name: string, extra: Record<string, unknown> = {}) {
  process.stdout.write(STEP + JSON.stringify({ name, kernel: kernel(), ...extra }) + '\n');
}

// Someone else's service: must outlive the shim.
spawnSync('ipvsadm', ['-A', '-t', '10.9.9.9:25', '-s', 'rr'], { timeout: 10_000 });

const board = await new TestBoard({ cluster: 'c1', token: 'e2e-shim-token' }).init();
await board.start();
writeFileSync(join(dir, 'key.json'), JSON.stringify({ keys: [await board.jwk()] }));
writeFileSync(join(dir, 'token'), 'e2e-shim-token\n');

let down: string[] = [];
let reissue: NodeJS.Timeout | null = null;
const keepFresh = () => {
  // The Board re-issues well before expiry even when nothing changed, so silence means trouble.
  reissue = setInterval(() => void board.publish(verdictFor(config, down), TTL_MS), TTL_MS / 3);
};
await board.publish(verdictFor(config, down), TTL_MS);
keepFresh();

const shim = spawn(
  process.execPath,
  [join(REPO, 'bin/vigil.js'), 'shim', '--config', join(dir, 'keepalived.conf'), '--board', board.url(), '--cluster', 'c1', '--token-file', join(dir, 'token'), '--board-key', join(dir, 'key.json'), '--metrics-listen', '127.0.0.1:9109', '--board-backoff-max', '1', '--state-dir', join(dir, 'state')],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let shimOut = '';
shim.stdout.on('data', (d: Buffer) => (shimOut += d.toString()));
shim.stderr.on('data', (d: Buffer) => (shimOut += d.toString()));

await tableShows('every real server in the table', '192.168.1.2:443', 20_000);
step('all up');

down = ['192.168.1.1:80', '192.168.1.1:443'];
await board.publish(verdictFor(config, down), TTL_MS);
await tableShows('the sorry server in the table', '192.168.9.9:443', 10_000);
step('a backend stops');

// Board outage: no more snapshots; the last one expires; the table must not move.
clearInterval(reissue!);
await board.stop();
// While holding, an operator's manual change (drift) is not "repaired" either.
down = [];
// Compared from the moment the shim says it holds (its snapshot expired) until its own clock shows two more seconds of holding.
const holding = /^vigil_shim_mode\{mode="holding"\} 1$/m;
await eventually('the shim to hold the table once its snapshot expired', async () => holding.test(await metrics()), { timeoutMs: TTL_MS + 15_000, intervalMs: 100 });
const during = kernel();
const age = async () => Number(/^vigil_shim_snapshot_age_seconds (\S+)$/m.exec(await metrics())?.[1] ?? NaN);
const heldFromS = await age();
await eventually('two more seconds of holding on the shim’s clock', async () => (await age()) >= heldFromS + 2, { timeoutMs: 10_000, intervalMs: 100 });
step('board outage', { sameThroughout: during === kernel(), metrics: metric(await metrics(), /^vigil_shim_(mode|snapshot_age)/) });

// The Board comes back with nothing fresh to say (its current snapshot has expired),
// and someone pushes forged and replayed snapshots that would put every server back.
await board.start();
const all = verdictFor(config, []);
const now = Date.now();
const base: Snapshot = { v: 1, cluster: 'c1', seq: 1000, configVersion: 1, issuedAtMs: now, expiresAtMs: now + 60_000, virtualServers: all };
// Each is served on whatever transport the shim is back on (its own backoff decides when), one after the other.
const offers: Array<[string, { body: Uint8Array; signature: string }, number]> = [
  ['bad_signature', await board.forge(base), 1000],
  ['stale_sequence', await board.sign({ ...base, seq: 1 }), 1],
  ['expired', await board.sign({ ...base, seq: 1001, issuedAtMs: now - 10_000, expiresAtMs: now - 1000 }), 1001],
];
const seen: string[] = [];
for (const [reason, signed, seq] of offers) {
  board.offer(signed.body, signed.signature, seq);
  const re = new RegExp(`vigil_shim_snapshots_rejected_total\\{reason="${reason}"\\} [1-9]`);
  // One not counted in time is missing from `seen`, which the test compares in full.
  const counted = await eventually(`the shim to count a ${reason} rejection`, async () => re.test(await metrics()), { timeoutMs: 45_000, intervalMs: 200 }).catch(() => false);
  if (counted) seen.push(reason);
}
step('forged, replayed and expired', { seen, metrics: metric(await metrics(), /^vigil_shim_(snapshots_rejected|mode)/) });

await board.publish(all, TTL_MS);
keepFresh();
await tableShows('the stopped backend back in the table', '-r 192.168.1.1:80', 30_000);
step('board back', { metrics: metric(await metrics(), /^vigil_shim_(mode|applied_sequence)/) });

clearInterval(reissue!);
shim.kill('SIGTERM');
const code = await within('the shim to exit after SIGTERM', new Promise<number | null>((r) => shim.on('close', (c) => r(c))), 20_000).catch((err: Error) => {
  shim.kill('SIGKILL');
  return err.message;
});
step('sigterm', { code });
await board.stop();
process.stderr.write(shimOut.slice(-6000));
