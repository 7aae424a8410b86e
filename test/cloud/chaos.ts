/**
 * `npm run chaos -- N [FIRST_SEED]`: N seeded schedules on the simulated clock
 * (see chaos-sim.ts). Exits 1 on any violation, printing the seed to replay.
 */
import { runSimSchedule } from './chaos-sim.ts';

const n = Number(process.argv[2] ?? 100);
const first = Number(process.argv[3] ?? 1);
let bad = 0;
let grants = 0;
let mutations = 0;
const started = Date.now();
for (let s = first; s < first + n; s++) {
  const r = await runSimSchedule(s);
  grants += r.grants;
  mutations += r.mutations;
  if (r.violations.length) {
    bad++;
    process.stdout.write(`seed ${s} (${r.steps.join(', ')}):\n  ${r.violations.slice(0, 5).join('\n  ')}\n`);
  }
  if ((s - first + 1) % 50 === 0) process.stderr.write(`${s - first + 1}/${n} schedules, ${bad} with violations\n`);
}
process.stdout.write(`${n} schedules (seeds ${first}..${first + n - 1}), ${grants} lease grants, ${mutations} mutating EC2 calls, ${bad} with violations, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(bad ? 1 : 0);
