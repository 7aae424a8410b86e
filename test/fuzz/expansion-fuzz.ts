import { readKeepalivedConfig, type Diagnostic } from '../../core/keepalived/index.ts';
import type { ExpansionBudget } from '../../core/keepalived/expansion-budget.ts';
import { prng } from '../helpers/prng.ts';
import { memoryHost, type FuzzFailure } from './keepalived-mutator.ts';

const DIR = '/etc/keepalived';
const FILES = ['keepalived.conf', 'a.conf', 'b.conf', 'c.conf', 'd.conf'];

/**
 * One random program over the preprocessor's expansion features: parameters
 * (self-referring, doubling, multi-line), ~SEQ/~SEQx/~LST generators (nested,
 * huge ranges, empty bodies) and includes (fan-out, globs, braces, loops,
 * missing files), spread over a few files.
 */
export function expansionCase(rand: () => number): Map<string, string> {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  const ref = () => pick(['$P', '${P', '$M']) + int(6);
  const refOf = (r: string) => (r.startsWith('${') ? r + '}' : r);
  const value = () => Array.from({ length: 1 + int(4) }, () => (rand() < 0.6 ? refOf(ref()) : pick(['x', '10.0.0.1', '80', '{', '}', '"q r"', '$_HASH', '${_RANDOM 1 9}']))).join(' ');
  const range = () =>
    pick([
      `${int(5)}`,
      `${int(5)}, ${int(20)}`,
      `${int(5)}, ${1 + int(3)}, ${int(50)}`,
      `1, ${pick([1000, 100_000, 10_000_000, 1_000_000_000])}`,
      `0x10, 0x${int(4096).toString(16)}`,
      `${-int(5)}, -1, ${-int(30)}`,
    ]);
  const generator = (): string => {
    const v = 'V' + int(3);
    const head = pick([`~SEQ(${v}, ${range()})`, `~SEQx(${v}, ${range()})`, `~LST(${v}, a, b, c)`, `~LST({${v}, W}, {1,2}, {3,4})`]);
    const rest = rand() < 0.3 ? generator() : rand() < 0.2 ? '' : pick([`real_server 10.0.0.$${v} 80 { weight 1 }`, value(), `$M${int(6)}`, `weight $${v}`]);
    return `${head} ${rest}`.trimEnd();
  };
  const line = (): string[] => {
    switch (int(9)) {
      case 0:
        return [`$P${int(6)}=${value()}`];
      case 1: {
        const k = int(6);
        return [`$P${k}=$P${int(6)} $P${int(6)}`];
      }
      case 2:
        return [`$M${int(6)}= \\`, ...Array.from({ length: 1 + int(3) }, () => `  ${rand() < 0.5 ? value() : generator()} \\`), ''];
      case 3:
      case 4:
        return [generator()];
      case 5:
        return [pick(['include', 'include', 'includea', 'includer', 'includeb']) + ' ' + pick(['a.conf', 'b.conf', '*.conf', '{a,b,c}.conf', 'keepalived.conf', 'missing.conf', '[ab].conf', '{c,d}.conf'])];
      case 6:
        return [`global_defs {`, `  router_id ${value()}`, '}'];
      case 7:
        return [`virtual_server 10.0.0.1 80 {`, '  protocol TCP', `  ${rand() < 0.5 ? `$M${int(6)}` : generator()}`, '}'];
      default:
        return [pick(['@a ', '@^a ', '@b ', '']) + value()];
    }
  };
  const files = new Map<string, string>();
  for (const f of FILES) files.set(`${DIR}/${f}`, Array.from({ length: 1 + int(8) }, line).flat().join('\n') + '\n');
  return files;
}

export interface ExpansionBounds {
  budget: ExpansionBudget;
  /** Most time one case may take. */
  caseMs: number;
  /** Most one case may add to the process's peak RSS. */
  caseRssMiB: number;
}

/**
 * Runs `iterations` seeded expansion programs through the real reader. A case
 * fails when the reader throws, a diagnostic lacks a real position, a refusal
 * has no error, or the case runs past its time or memory bound. Peak RSS is
 * the process's own maximum (getrusage), so a case that spikes memory and
 * frees it again is still caught.
 */
export function fuzzExpansion(iterations: number, seed: number, bounds: ExpansionBounds): { runs: number; failures: FuzzFailure[]; slowestMs: number; peakRssMiB: number } {
  const failures: FuzzFailure[] = [];
  let slowestMs = 0;
  const rssMiB = () => process.resourceUsage().maxRSS / 1024;
  for (let n = 0; n < iterations; n++) {
    const s = seed + n;
    const files = expansionCase(prng(s));
    const before = rssMiB();
    const t0 = performance.now();
    let problem: string | undefined;
    try {
      const res = readKeepalivedConfig(`${DIR}/keepalived.conf`, { host: memoryHost(files), configId: 'a', budget: bounds.budget });
      const bad = res.diagnostics.find((d: Diagnostic) => !files.has(d.file) || !(d.line >= 1) || !(d.col >= 1) || d.message === '');
      if (bad) problem = `diagnostic without a real position: ${JSON.stringify(bad)}`;
      else if (!res.ok && !res.diagnostics.some((d) => d.severity === 'error')) problem = 'refused without an error';
    } catch (err) {
      problem = `threw: ${(err as Error).stack ?? String(err)}`;
    }
    const ms = performance.now() - t0;
    slowestMs = Math.max(slowestMs, ms);
    const grew = rssMiB() - before;
    if (!problem && ms > bounds.caseMs) problem = `took ${ms.toFixed(0)} ms (bound ${bounds.caseMs} ms)`;
    if (!problem && grew > bounds.caseRssMiB) problem = `raised peak RSS by ${grew.toFixed(0)} MiB (bound ${bounds.caseRssMiB} MiB)`;
    if (problem) failures.push({ seed: s, text: [...files].map(([f, t]) => `==> ${f}\n${t}`).join(''), problem });
  }
  return { runs: iterations, failures, slowestMs, peakRssMiB: rssMiB() };
}
