/** Where a token came from: the file as the operator named it, 1-based line and column. */
export interface Pos {
  file: string;
  line: number;
  col: number;
}

export interface Diagnostic extends Pos {
  /** `note`: Vigil's own advice, where keepalived says nothing; it never changes check-config's exit code. */
  severity: 'error' | 'warning' | 'note';
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
}

export function formatDiagnostics(list: Diagnostic[]): string {
  return list.map(formatDiagnostic).join('\n');
}

/** Where each top-level item came from, so later checks can point at it. */
export type Origins = Record<string, Pos[]>;

/**
 * Most diagnostics kept: a generated file can repeat one mistake a million
 * times, and keeping each would cost hundreds of MB and an answer nobody reads.
 * The rest are counted and summed up in one last line.
 */
export const MAX_DIAGNOSTICS = 1000;

/** Collects diagnostics while reading; errors never stop the read, so every problem is reported at once. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];
  private errorCount = 0;
  private dropped: { errors: number; warnings: number; first: Pos } | null = null;

  error(pos: Pos, message: string): void {
    this.errorCount++;
    this.add({ severity: 'error', file: pos.file, line: pos.line, col: pos.col, message });
  }

  warn(pos: Pos, message: string): void {
    this.add({ severity: 'warning', file: pos.file, line: pos.line, col: pos.col, message });
  }

  /** Vigil's own advice where keepalived would say nothing (printed as `note:`; never a warning's exit code). */
  note(pos: Pos, message: string): void {
    this.add({ severity: 'note', file: pos.file, line: pos.line, col: pos.col, message });
  }

  private add(d: Diagnostic): void {
    if (this.list.length < MAX_DIAGNOSTICS) {
      this.list.push(d);
      return;
    }
    this.dropped ??= { errors: 0, warnings: 0, first: { file: d.file, line: d.line, col: d.col } };
    if (d.severity === 'error') this.dropped.errors++;
    else if (d.severity === 'warning') this.dropped.warnings++;
  }

  /**
   * Appends what `parts` collected, in order, exactly as if each had been
   * reported here in that order (the cap and its count included): reading can
   * then collect its diagnostics in pieces, out of order, and still report the
   * same list.
   */
  append(...parts: Diagnostics[]): void {
    for (const p of parts) {
      this.errorCount += p.errorCount;
      for (const d of p.list) this.add(d);
      const x = p.dropped;
      if (!x) continue;
      this.dropped ??= { errors: 0, warnings: 0, first: x.first };
      this.dropped.errors += x.errors;
      this.dropped.warnings += x.warnings;
    }
  }

  get hasErrors(): boolean {
    return this.errorCount > 0;
  }

  /** Sorted by file order of appearance, then line and column, as a compiler prints them; past the cap, one line counts the rest. */
  sorted(): Diagnostic[] {
    const fileOrder = new Map<string, number>();
    for (const d of this.list) if (!fileOrder.has(d.file)) fileOrder.set(d.file, fileOrder.size);
    const out = [...this.list].sort(
      (a, b) => (fileOrder.get(a.file)! - fileOrder.get(b.file)!) || a.line - b.line || a.col - b.col,
    );
    const x = this.dropped;
    if (x) {
      const severity = x.errors > 0 ? 'error' : 'warning';
      out.push({ severity, ...x.first, message: `${x.errors + x.warnings} more diagnostics not shown (${x.errors} errors, ${x.warnings} warnings), the first of them here` });
    }
    return out;
  }
}
