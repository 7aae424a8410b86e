/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command
 * line) and writes bench/results.md. Benchmarks are scripts, never timed tests.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machine, type BenchSection } from './harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const sections: BenchSection[] = [];
for (const f of files) {
  process.stderr.write(`bench: ${f}\n`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { run: () => Promise<BenchSection | BenchSection[]> };
  const out = await mod.run();
  sections.push(...(Array.isArray(out) ? out : [out]));
}

// Each section records when and how it was produced, so a partial run
// (`npm run bench -- parse`) refreshes its own sections in bench/results.md
// and leaves the others as they were.
const stamp = `_Measured ${new Date().toISOString()} on ${machine()}, with \`npm run bench${only.length ? ' -- ' + only.join(' ') : ''}\`._`;
const target = join(here, 'results.md');
const kept = new Map<string, string>();
if (only.length && existsSync(target)) {
  for (const part of readFileSync(target, 'utf8').split(/^## /m).slice(1)) {
    const title = part.slice(0, part.indexOf('\n'));
    kept.set(title, part.slice(title.length).trim());
  }
}
for (const s of sections) kept.set(s.title, `${stamp}\n\n${s.markdown}`);
const doc = ['# Benchmark results', '', 'Medians and p99 over repeated runs; peers measured in the same run. Regenerate with `npm run bench`.', '', ...[...kept].flatMap(([title, body]) => [`## ${title}`, '', body, ''])].join('\n');
writeFileSync(target, doc);
process.stdout.write(doc + '\n');
