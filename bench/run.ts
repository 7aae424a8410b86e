/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command
 * line) and writes bench/results.md. Benchmarks are scripts, never timed tests.
 */
import { readdirSync, writeFileSync } from 'node:fs';
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

const doc = [
  '# Benchmark results',
  '',
  `Machine: ${machine()}`,
  `Run: ${new Date().toISOString()} with \`npm run bench${only.length ? ' -- ' + only.join(' ') : ''}\``,
  '',
  ...sections.flatMap((s) => [`## ${s.title}`, '', s.markdown, '']),
].join('\n');
const target = only.length ? join(here, `results-${only.join('-')}.md`) : join(here, 'results.md');
writeFileSync(target, doc);
process.stdout.write(doc + '\n');
