/**
 * `npm run soak -- MINUTES [SEED]`: the bounded soak (soak-run.ts) against a
 * real `vigil shim`; stops by itself, prints what it did and the shim's fault
 * counts, and exits 1 on any invariant violation (printing the seed to replay).
 */
import { runSoak } from './soak-run.ts';

const minutes = Number(process.argv[2] ?? 5);
if (!(minutes > 0 && minutes <= 24 * 60)) {
  process.stderr.write('usage: npm run soak -- MINUTES [SEED]   (MINUTES: more than 0, at most a day)\n');
  process.exit(64);
}
const seed = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const r = await runSoak({ minutes, seed, log: (l) => process.stderr.write(l + '\n') });
process.stdout.write(JSON.stringify(r, null, 2) + '\n');
process.stdout.write(r.violations.length ? `soak: ${r.violations.length} violation(s); replay with: npm run soak -- ${minutes} ${r.seed}\n` : `soak: ${minutes} min, seed ${r.seed}, no violations\n`);
process.exit(r.violations.length ? 1 : 0);
