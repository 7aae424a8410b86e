/**
 * Longer fuzzing than `npm test` runs: `npm run fuzz -- [iterations] [seed]`.
 * Prints failures with their seeds; exits 1 if there is any.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzz } from './keepalived-mutator.ts';

const iterations = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? Date.now() % 1_000_000);
const dir = join(import.meta.dirname, '../fixtures/keepalived-samples');
const corpus = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
const t0 = performance.now();
const { runs, failures } = fuzz(corpus, iterations, seed);
const s = (performance.now() - t0) / 1000;
console.log(`fuzz: ${runs} iterations from seed ${seed} in ${s.toFixed(1)} s (${Math.round(runs / s)}/s), ${failures.length} failures`);
for (const f of failures.slice(0, 10)) console.log(`--- seed ${f.seed}: ${f.problem}\n${f.text}`);
process.exitCode = failures.length ? 1 : 0;
