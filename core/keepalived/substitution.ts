/** Parameter substitution's pieces: finding a `$NAME` reference, and building the substituted line. */
import { withMap, type SrcLine } from './lexer.ts';

const NAME_AT = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * `$NAME` (ends at a blank or end of line) or `${NAME args}`. `closes` remembers
 * the next `}` so a line full of unclosed `${` is read in linear time.
 */
export function readRef(text: string, i: number, closes: { at: number }): { name: string; args: string[]; end: number } | null {
  if (text[i + 1] === '{') {
    if (closes.at !== -1 && closes.at < i + 2) closes.at = text.indexOf('}', i + 2);
    const close = closes.at;
    if (close < 0) return null;
    const parts = text.slice(i + 2, close).trim().split(/\s+/);
    const name = parts[0] ?? '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return null;
    return { name, args: parts.slice(1), end: close + 1 };
  }
  NAME_AT.lastIndex = i + 1;
  const m = NAME_AT.exec(text);
  if (!m) return null;
  const end = i + 1 + m[0].length;
  if (end < text.length && !/\s/.test(text[end]!)) return null;
  return { name: m[0], args: [], end };
}

/**
 * A substituted line as it grows: its text in pieces, and where each character
 * came from. One per preprocessor, reused line after line, so a line costs
 * only its own text and two exact-size maps.
 */
export class LineBuilder {
  private pieces: string[] = [];
  private lines = new Int32Array(256);
  private cols = new Int32Array(256);
  private n = 0;

  reset(): void {
    this.pieces = [];
    this.n = 0;
  }

  private reserve(more: number): void {
    if (this.n + more <= this.lines.length) return;
    const size = Math.max(this.n + more, this.lines.length * 2);
    const lines = new Int32Array(size);
    const cols = new Int32Array(size);
    lines.set(this.lines.subarray(0, this.n));
    cols.set(this.cols.subarray(0, this.n));
    this.lines = lines;
    this.cols = cols;
  }

  /** l.text[from, to), keeping each character's own origin. */
  addFrom(l: SrcLine, from: number, to: number): void {
    if (to <= from) return;
    this.reserve(to - from);
    this.pieces.push(from === 0 && to === l.text.length ? l.text : l.text.slice(from, to));
    const end = this.n + to - from;
    if (!l.map) {
      this.lines.fill(l.line, this.n, end);
      for (let k = from, at = this.n; at < end; k++, at++) this.cols[at] = l.colBase + k;
    } else if (to - from < 64) {
      // Short runs (the blanks between references) copy faster by hand than through a subarray view.
      for (let k = from, at = this.n; at < end; k++, at++) {
        this.lines[at] = l.map.lines[k]!;
        this.cols[at] = l.map.cols[k]!;
      }
    } else {
      this.lines.set(l.map.lines.subarray(from, to), this.n);
      this.cols.set(l.map.cols.subarray(from, to), this.n);
    }
    this.n = end;
  }

  /** A parameter's value: every character points at the reference it replaced. */
  addAt(value: string, line: number, col: number): void {
    if (value === '') return;
    this.reserve(value.length);
    this.pieces.push(value);
    const end = this.n + value.length;
    if (value.length < 64) {
      for (let at = this.n; at < end; at++) {
        this.lines[at] = line;
        this.cols[at] = col;
      }
    } else {
      this.lines.fill(line, this.n, end);
      this.cols.fill(col, this.n, end);
    }
    this.n = end;
  }

  /** The line built so far; the builder starts over. */
  take(origin: SrcLine): SrcLine {
    const l = withMap(origin, this.pieces.join(''), this.lines.slice(0, this.n), this.cols.slice(0, this.n));
    this.reset();
    return l;
  }
}
