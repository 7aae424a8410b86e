/**
 * The one bound on what the preprocessor may produce: bytes and lines, counted
 * as they are produced (lines read from the main file and every include, each
 * line a `~SEQ`/`~SEQx`/`~LST` iteration yields, each line a parameter
 * substitution builds, intermediate ones included). It is checked before an
 * expansion is built, so a doubling parameter or a nested generator stops at
 * the budget instead of after filling memory.
 */
export interface ExpansionBudget {
  bytes: number;
  lines: number;
  /** The longest one line may be, as read or as expanded (default DEFAULT_LINE_BYTES). */
  lineBytes?: number;
}

/**
 * One line, read or expanded, may hold at most this many bytes. Every word of a
 * line becomes a token the reader keeps, so a line of a million one-letter
 * words (20 doubling parameters: 2 MiB, well inside the byte budget) cost 1.75 s
 * and 370 MB to read; no statement of a real config comes near 64 KiB.
 */
export const DEFAULT_LINE_BYTES = 64 * 1024;

/**
 * The largest configuration this repository knows of is the parse benchmark's
 * (bench/gen-config.ts: 1,000 virtual servers × 20 HTTP_GET real servers,
 * 227,004 lines, 5.3 MiB as written), bigger than the 12,000 real servers the
 * README's costs are quoted for. The default allows about 3× its bytes and
 * 2.2× its lines. Lines are the tighter bound because each costs more to hold
 * than its bytes suggest: at 1,000,000 lines a generated file of one-word
 * statements took 4-5 s and 450-590 MB. At this budget a hostile file ends in
 * seconds and under 600 MB, whole process (`vigil check-config`: a nested
 * ~SEQ bomb in 0.5 s at 105 MB, 24 doubling parameters in 1.3 s at 340 MB,
 * 2^30 fanned-out includes in 2 s at 110 MB).
 */
export const DEFAULT_EXPANSION_BUDGET: Readonly<ExpansionBudget> = { bytes: 16 * 2 ** 20, lines: 500_000 };

export class BudgetMeter {
  private bytes = 0;
  private lines = 0;

  constructor(readonly limit: Readonly<ExpansionBudget>) {}

  get lineBytes(): number {
    return this.limit.lineBytes ?? DEFAULT_LINE_BYTES;
  }

  /** Counts what is about to be produced; false when that crosses the budget (nothing should be built then). */
  spend(bytes: number, lines: number): boolean {
    this.bytes += bytes;
    this.lines += lines;
    return this.bytes <= this.limit.bytes && this.lines <= this.limit.lines;
  }

  /** For the error: which of the two was crossed, with the limit. */
  describe(): string {
    const mib = (n: number) => (n % 2 ** 20 === 0 ? `${n / 2 ** 20} MiB` : `${n.toLocaleString('en')} bytes`);
    const what = this.lines > this.limit.lines ? `${this.limit.lines.toLocaleString('en')} lines` : mib(this.limit.bytes);
    return `configuration expands past ${what} (includes, parameters and ~SEQ/~LST generators together; limits ${mib(this.limit.bytes)} and ${this.limit.lines.toLocaleString('en')} lines): stopped here`;
  }
}
