/**
 * A test that cannot run here says why in its title: `describe.skipIf(!!why)(
 * skipTitle('…', why), …)`. The run's closing summary (test/summary-reporter.ts)
 * prints that reason, and under CI fails the run unless test/skip-allowlist.ts
 * accepts the skip. (`ctx.skip(reason)` inside a test works too: its note is
 * read the same way.)
 */
const TAG = /\[skipped: ([^\]]*)\]/;

export function skipTitle(title: string, reason: string | null | undefined): string {
  return reason ? `${title} [skipped: ${reason.replace(/[[\]]/g, '')}]` : title;
}

/** The reason a skipped test's full name (its suites' titles and its own) carries, if any. */
export function skipReasonIn(fullName: string): string | null {
  return TAG.exec(fullName)?.[1] ?? null;
}
