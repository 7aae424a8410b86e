import type { Pos } from './diagnostics.ts';

/**
 * One logical line after comment removal, with where each character came from,
 * so that a token made by parameter substitution or line joining still points
 * at the operator's own file, line and column.
 */
export interface SrcLine {
  text: string;
  file: string;
  line: number;
  /** Column of text[0] when no map is present (the common, untouched line). */
  colBase: number;
  /** Per-character origin, present once substitution or joining has moved characters. */
  map?: { lines: Int32Array; cols: Int32Array };
}

export function posAt(l: SrcLine, i: number): Pos {
  return l.map ? posAtMapped(l, i) : { file: l.file, line: l.line, col: l.colBase + i };
}

function posAtMapped(l: SrcLine, i: number): Pos {
  const map = l.map!;
  const j = Math.min(Math.max(i, 0), map.cols.length - 1);
  if (j < 0) return { file: l.file, line: l.line, col: l.colBase };
  return { file: l.file, line: map.lines[j]!, col: map.cols[j]! };
}

/** Materialises the per-character map of a line (used before editing it). */
export function mapOf(l: SrcLine): { lines: Int32Array; cols: Int32Array } {
  if (l.map) return l.map;
  const n = l.text.length;
  const lines = new Int32Array(n).fill(l.line);
  const cols = new Int32Array(n);
  for (let i = 0; i < n; i++) cols[i] = l.colBase + i;
  return { lines, cols };
}

/** A new line whose text is `text`, with origins taken from `origin` (one entry per char). */
export function withMap(l: SrcLine, text: string, lines: Int32Array, cols: Int32Array): SrcLine {
  return { text, file: l.file, line: lines[0] ?? l.line, colBase: cols[0] ?? l.colBase, map: { lines, cols } };
}

export interface Decommented {
  text: string;
  /** Column (1-based) of text[0] in the physical line. */
  col: number;
  /** The line ended in an unescaped backslash: it continues on the next line. */
  continues: boolean;
  unterminatedQuote: boolean;
  /** Columns of each char when an escape (\# or \!) removed a character; else absent. */
  cols?: Int32Array;
}

/**
 * keepalived's comment rules: `#` or `!` start a comment anywhere outside a
 * double-quoted string; `\#` and `\!` are literal; a trailing `\` continues the
 * line; leading and trailing blanks go.
 */
export function decomment(raw: string): Decommented {
  let start = 0;
  while (start < raw.length && (raw.charCodeAt(start) === 32 || raw.charCodeAt(start) === 9)) start++;
  // Almost every line has no escaped `#`/`!`: its text is one slice of the raw line.
  let quote = false;
  let continues = false;
  let i = start;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 34 /* " */) quote = !quote;
    else if (c === 92 /* \ */) {
      if (i + 1 >= raw.length) {
        continues = true;
        break;
      }
      const n = raw.charCodeAt(i + 1);
      if (!quote && (n === 35 || n === 33)) return decommentEscaped(raw);
      i++;
    } else if (!quote && (c === 35 /* # */ || c === 33 /* ! */)) break;
  }
  let end = i;
  while (end > start && (raw.charCodeAt(end - 1) === 32 || raw.charCodeAt(end - 1) === 9 || raw.charCodeAt(end - 1) === 13)) end--;
  return { text: raw.slice(start, end), col: start + 1, continues, unterminatedQuote: quote };
}

/** decomment for a line with `\#` or `\!`: the backslash goes, so columns are kept per character. */
export function decommentEscaped(raw: string): Decommented {
  let start = 0;
  while (start < raw.length && (raw[start] === ' ' || raw[start] === '\t')) start++;
  let out = '';
  let cols: number[] | undefined;
  let quote = false;
  let continues = false;
  let i = start;
  let segStart = i;
  const flush = (end: number) => {
    if (cols) for (let k = segStart; k < end; k++) cols.push(k + 1);
    out += raw.slice(segStart, end);
  };
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 34 /* " */) quote = !quote;
    else if (c === 92 /* \ */) {
      if (i + 1 >= raw.length) {
        flush(i);
        segStart = i = raw.length;
        continues = true;
        break;
      }
      const n = raw[i + 1];
      if (!quote && (n === '#' || n === '!')) {
        // Drop the backslash: from here on, columns no longer follow indexes.
        if (!cols) cols = Array.from({ length: out.length + (i - segStart) }, (_, k) => start + k + 1);
        else for (let k = segStart; k < i; k++) cols.push(k + 1);
        out += raw.slice(segStart, i);
        segStart = i + 1;
      }
      i++;
    } else if (!quote && (c === 35 /* # */ || c === 33 /* ! */)) break;
  }
  if (segStart < raw.length) flush(Math.min(i, raw.length));
  let end = out.length;
  while (end > 0 && (out[end - 1] === ' ' || out[end - 1] === '\t' || out[end - 1] === '\r')) end--;
  const text = out.slice(0, end);
  const result: Decommented = { text, col: start + 1, continues, unterminatedQuote: quote };
  if (cols) result.cols = Int32Array.from(cols.slice(0, end));
  return result;
}

/** A word with its position; it is its own Pos, so the hot path allocates one object per word. */
export class Token implements Pos {
  constructor(
    readonly text: string,
    readonly file: string,
    readonly line: number,
    readonly col: number,
    /** Written in double quotes: never a brace, never a keyword. */
    readonly quoted: boolean,
  ) {}

  get pos(): Pos {
    return this;
  }
}

/**
 * A word as its own string. V8 keeps a substring of 13 characters or more as a
 * view into the string it was cut from, so every address or name the model
 * keeps would hold the whole file's text for the life of the daemon (measured:
 * 529 KB behind 8,800 words with 10,000 real servers). join copies.
 */
const detach = (w: string): string => (w.length < 13 ? w : [w.slice(0, 1), w.slice(1)].join(''));

/**
 * keepalived's word splitting: blanks separate words; a word that starts with
 * `"` runs to the next `"` (no escapes, blanks kept); an unquoted `{` or `}`
 * is a word of its own wherever it stands, as keepalived splits the line there.
 */
export function tokenize(l: SrcLine, onUnmatchedQuote: (pos: Pos) => void): Token[] {
  const s = l.text;
  const out: Token[] = [];
  // Untouched lines (the vast majority) map column = colBase + index without a lookup.
  const make = (start: number, word: string, quoted: boolean): Token => {
    const text = detach(word);
    if (!l.map) return new Token(text, l.file, l.line, l.colBase + start, quoted);
    const p = posAtMapped(l, start);
    return new Token(text, p.file, p.line, p.col, quoted);
  };
  let i = 0;
  const n = s.length;
  while (i < n) {
    let c = s.charCodeAt(i);
    while (c === 32 || c === 9 || c === 13 || c === 12 || c === 11 || c === 10) c = s.charCodeAt(++i);
    if (i >= n) break;
    const start = i;
    if (c === 34) {
      const close = s.indexOf('"', i + 1);
      if (close < 0) {
        onUnmatchedQuote(posAt(l, start));
        out.push(make(start, s.slice(i + 1), true));
        break;
      }
      out.push(make(start, s.slice(i + 1, close), true));
      i = close + 1;
      continue;
    }
    // keepalived splits a line at each `{` or `}` outside quotes: `VG_1{`, `track_interface{`, `{}` are braces of their own.
    if (c === 123 || c === 125) {
      out.push(make(start, s[i]!, false));
      i++;
      continue;
    }
    while (i < n) {
      c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11 || c === 10 || c === 34 || c === 123 || c === 125) break;
      i++;
    }
    out.push(make(start, s.slice(start, i), false));
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * Splits a script command line into argv as keepalived does for scripts:
 * blanks separate arguments, `'…'` and `"…"` group (and concatenate), and
 * backslash escapes (\n, \t, \xHH, \nnn octal, \cC, \C) work everywhere.
 * Returns null on an unterminated quote or a trailing backslash.
 */
export function splitScriptCommand(cmd: string): string[] | null {
  const args: string[] = [];
  let i = 0;
  const n = cmd.length;
  const blank = (ch: string | undefined) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v';
  while (i < n) {
    while (i < n && blank(cmd[i])) i++;
    if (i >= n) break;
    let cur = '';
    let quote: string | null = null;
    while (i < n) {
      const ch = cmd[i]!;
      if (ch === '\\') {
        i++;
        if (i >= n) return null;
        const e = cmd[i]!;
        if (e === 'x' && /[0-9a-fA-F]/.test(cmd[i + 1] ?? '')) {
          let hex = '';
          i++;
          while (hex.length < 2 && /[0-9a-fA-F]/.test(cmd[i] ?? '')) hex += cmd[i++];
          cur += String.fromCharCode(parseInt(hex, 16));
        } else if (e === 'c' && i + 1 < n) {
          cur += String.fromCharCode(cmd.charCodeAt(i + 1) & 0x1f);
          i += 2;
        } else if (e >= '0' && e <= '7') {
          let oct = '';
          while (oct.length < 3 && (cmd[i] ?? '') >= '0' && (cmd[i] ?? '') <= '7') oct += cmd[i++];
          cur += String.fromCharCode(parseInt(oct, 8) & 0xff);
        } else {
          cur += SIMPLE_ESCAPES[e] ?? e;
          i++;
        }
        continue;
      }
      if (quote) {
        if (ch === quote) quote = null;
        else cur += ch;
        i++;
        continue;
      }
      if (ch === '"' || ch === "'") {
        quote = ch;
        i++;
        continue;
      }
      if (blank(ch)) break;
      cur += ch;
      i++;
    }
    if (quote) return null;
    args.push(cur);
  }
  return args;
}
