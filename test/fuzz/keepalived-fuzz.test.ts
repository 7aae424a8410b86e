import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzExpansion } from './expansion-fuzz.ts';
import { fuzz } from './keepalived-mutator.ts';

const SAMPLES = join(import.meta.dirname, '../fixtures/keepalived-samples');
const corpus = existsSync(SAMPLES) ? readdirSync(SAMPLES).map((f) => readFileSync(join(SAMPLES, f), 'utf8')) : [];
if (!corpus.length) console.log(`fuzzing the team's fixtures only: ${SAMPLES} is absent`);
corpus.push('$M= \\\nvrrp_instance V${N} { \\\n interface eth0 \\\n virtual_router_id ${N} \\\n}\n~SEQ(N, 1, 3) $M\n');

describe('keepalived.conf mutation fuzzer', () => {
  it('never crashes on mutated samples: every problem is an error with a position, every accepted model is what the schema makes of it (2,000 seeded cases)', () => {
    const { runs, failures } = fuzz(corpus, 2000, 1);
    console.log(`fuzz: ${runs} iterations, ${failures.length} failures`);
    expect(failures.slice(0, 3).map((f) => `seed ${f.seed}: ${f.problem}`)).toEqual([]);
  });

  it('ends every expansion program (parameters, generators, includes) within its time and memory bound (300 seeded cases)', () => {
    // A small budget keeps the run short while every case still reaches the budget paths; `npm run fuzz` runs the default.
    const r = fuzzExpansion(300, 1, { budget: { bytes: 1 << 20, lines: 20_000 }, caseMs: 2000, caseRssMiB: 150 });
    console.log(`expansion fuzz: ${r.runs} cases, slowest ${r.slowestMs.toFixed(0)} ms, peak RSS ${r.peakRssMiB.toFixed(0)} MiB, ${r.failures.length} failures`);
    expect(r.failures.slice(0, 3).map((f) => `seed ${f.seed}: ${f.problem}\n${f.text}`)).toEqual([]);
  });
});
