/**
 * Runs inside UML (test/ipvs/uml-backend.test.ts): drives one backend (argv[3]: ipvsadm or netlink)
 * against the real kernel through a series of tables and prints, per step, the
 * ops applied and what `ipvsadm -Sn` then shows, sorted, for the test to check.
 */
import { spawnSync } from 'node:child_process';
import { parseIpvsadmSave, renderRestore, renderTable } from '../../../core/ipvs/ipvsadm-format.ts';
import type { IpvsTable } from '../../../core/ipvs/table.ts';
import { createIpvsBackend } from '../../../shim/ipvs/create-backend.ts';
import { reconcile } from '../../../shim/ipvs/reconcile.ts';

const STEP = 'VIGIL-STEP ';
const backend = createIpvsBackend(process.argv[3] ?? 'ipvsadm', { timeoutMs: 10_000 });

function table(text: string): IpvsTable {
  const r = parseIpvsadmSave(text);
  if (!r.ok) throw new Error(`${r.line}: ${r.message}`);
  return r.table;
}

function kernel(): string {
  const r = spawnSync('ipvsadm', ['-Sn'], { encoding: 'utf8', timeout: 10_000 });
  return r.stdout.split('\n').filter(Boolean).sort().join('\n');
}

const steps: Array<{ name: string; desired: string; remove?: string[]; before?: string[] }> = JSON.parse(process.argv[2]!);
for (const s of steps) {
  // Someone else's service, added behind the shim's back: must survive every step.
  for (const cmd of s.before ?? []) spawnSync('ipvsadm', cmd.split(' '), { timeout: 10_000 });
  const r = await reconcile(backend, table(s.desired), s.remove ?? []);
  const after = await backend.read();
  const rest = r.ok ? undefined : `${r.stage}: ${r.message}`;
  process.stdout.write(
    STEP +
      JSON.stringify({ name: s.name, ok: r.ok, error: rest, batch: renderRestore(r.ops), kernel: kernel(), parsed: after.ok ? renderTable(after.table) : `read failed: ${after.message}` }) +
      '\n',
  );
}
