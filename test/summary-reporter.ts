import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { describeLeftovers, reapLeftovers } from './helpers/leftover-processes.ts';
import { skipReasonIn } from './helpers/skip-reason.ts';
import { SKIP_ALLOWLIST, type AllowedSkip } from './skip-allowlist.ts';

interface Skip {
  where: string;
  reason: string;
  allowed: AllowedSkip | undefined;
}

const underCi = () => /^(true|1)$/i.test(process.env['CI'] ?? '');

function skipOf(t: TestCase): Skip {
  const r = t.result();
  const note = r.state === 'skipped' ? r.note : undefined;
  const reason = note ?? skipReasonIn(t.fullName) ?? (t.options.mode === 'todo' ? 'todo' : 'no reason given');
  return { where: `${relative(process.cwd(), t.module.moduleId)} > ${t.fullName}`, reason, allowed: SKIP_ALLOWLIST.find((a) => a.test.test(t.fullName)) };
}

/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, that
 * CI reads whatever the runner; vitest's own summary is kept above it. Before
 * it: every skipped test with its reason, and the processes the tests left
 * running (killed here). Under CI=true a skip that test/skip-allowlist.ts does
 * not accept counts as a failure, and so does a leftover process; either
 * makes the run exit non-zero.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown> = []): void {
    let passed = 0;
    let failed = 0;
    const skips: Skip[] = [];
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'skipped') skips.push(skipOf(t));
        // A test that never finished (its worker died) is a failure, not a skip.
        else failed++;
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    failed += unhandledErrors.length;

    const ci = underCi();
    const refused = ci ? skips.filter((s) => !s.allowed) : [];
    const lines: string[] = [];
    const allowed = skips.filter((s) => s.allowed);
    if (allowed.length) lines.push('skipped (allowed in CI by test/skip-allowlist.ts):', ...allowed.map((s) => `  ${s.where}\n    ${s.reason}; allowed because ${s.allowed!.reason}`));
    const plain = skips.filter((s) => !s.allowed);
    if (plain.length) lines.push(ci ? 'skipped, which CI does not allow (each fails the run; run infra/install-test-deps.sh, or allow it in test/skip-allowlist.ts with a reason):' : 'skipped:', ...plain.map((s) => `  ${s.where}\n    ${s.reason}`));

    const left = reapLeftovers();
    if (left.length) lines.push(describeLeftovers(left));

    failed += refused.length + left.length;
    if (refused.length || left.length) process.exitCode = 1;
    if (lines.length) process.stdout.write(`\n${lines.join('\n')}\n`);
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skips.length - refused.length} skipped\n`);
  }
}
