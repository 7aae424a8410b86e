/** Where a token came from: the file as the operator named it, 1-based line and column. */
export interface Pos {
  file: string;
  line: number;
  col: number;
}

export interface Diagnostic extends Pos {
  severity: 'error' | 'warning';
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

/** Collects diagnostics while reading; errors never stop the read, so every problem is reported at once. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];
  private errorCount = 0;

  error(pos: Pos, message: string): void {
    this.errorCount++;
    this.list.push({ severity: 'error', file: pos.file, line: pos.line, col: pos.col, message });
  }

  warn(pos: Pos, message: string): void {
    this.list.push({ severity: 'warning', file: pos.file, line: pos.line, col: pos.col, message });
  }

  get hasErrors(): boolean {
    return this.errorCount > 0;
  }

  /** Sorted by file order of appearance, then line and column, as a compiler prints them. */
  sorted(): Diagnostic[] {
    const fileOrder = new Map<string, number>();
    for (const d of this.list) if (!fileOrder.has(d.file)) fileOrder.set(d.file, fileOrder.size);
    return [...this.list].sort(
      (a, b) => (fileOrder.get(a.file)! - fileOrder.get(b.file)!) || a.line - b.line || a.col - b.col,
    );
  }
}
