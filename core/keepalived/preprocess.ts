import type { Diagnostics, Pos } from './diagnostics.ts';
import { decomment, mapOf, posAt, withMap, type SrcLine } from './lexer.ts';
import { dirname, expandBraces, hasWildcard, resolvePath } from './paths.ts';

/** What the reader needs from its runtime: files, globbing, the environment. */
export interface ConfigHost {
  /** The file's text; throws when it cannot be read. */
  readFile(path: string): string;
  /** Regular files matching a glob pattern (no braces), sorted; [] when none. */
  glob(pattern: string): string[];
  env(name: string): string | undefined;
  /** In [0, 1): for ${_RANDOM}. */
  random(): number;
}

export interface PreprocessOptions {
  /** keepalived's -i / --config-id: matched by `@id` lines. keepalived defaults it to the host name. */
  configId: string;
  host: ConfigHost;
  /** Most logical lines the expansion may yield (default 2,000,000). */
  maxLines?: number;
  /** Most substitution/generator steps (default 20,000,000). */
  maxWork?: number;
}

interface Def {
  lines: SrcLine[];
  multiline: boolean;
}

const MAX_DEPTH = 64;
const MAX_INCLUDE_DEPTH = 32;
/** Bounds on what generators and parameters may expand to, so a hostile or mistaken file cannot exhaust memory. */
const MAX_LINES = 2_000_000;
const MAX_WORK = 20_000_000;
const DEF_RE = /^\$([A-Za-z_][A-Za-z0-9_]*)=/;
const INCLUDE_WORDS = new Set(['include', 'includer', 'includem', 'includew', 'includeb', 'includea']);

/**
 * The textual layer of keepalived.conf: includes, line joining, `@id`
 * conditionals, `$NAME=value` parameters (multi-line too), `~SEQ`/`~SEQx`/
 * `~LST` generators, and substitution. Yields logical lines, each character
 * still pointing at its origin.
 */
export class Preprocessor {
  private emitted = 0;
  private readonly defs = new Map<string, Def>();
  private readonly includeStack: string[] = [];
  private work = 0;
  /** Set once a limit is hit: everything after is skipped, the error already reported. */
  private stopped = false;

  /** `emit` receives each logical line as soon as it is ready, so lines need not all live at once. */
  constructor(
    private readonly opts: PreprocessOptions,
    private readonly diags: Diagnostics,
    private readonly emit: (line: SrcLine) => void,
  ) {}

  processFile(path: string, from?: Pos): void {
    let text: string;
    try {
      text = this.opts.host.readFile(path);
    } catch (err) {
      this.diags.error(from ?? { file: path, line: 1, col: 1 }, `cannot read ${path}: ${(err as Error).message}`);
      return;
    }
    if (this.includeStack.includes(path)) {
      this.diags.error(from ?? { file: path, line: 1, col: 1 }, `include loop: ${[...this.includeStack, path].join(' -> ')}`);
      return;
    }
    if (this.includeStack.length >= MAX_INCLUDE_DEPTH) {
      this.diags.error(from ?? { file: path, line: 1, col: 1 }, `includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
      return;
    }
    this.includeStack.push(path);
    try {
      this.processText(path, text);
    } finally {
      this.includeStack.pop();
    }
  }

  private processText(file: string, text: string): void {
    const raw = text.split('\n');
    for (let idx = 0; idx < raw.length && !this.stopped; idx++) {
      const d = decomment(raw[idx]!);
      if (d.unterminatedQuote) this.diags.warn({ file, line: idx + 1, col: d.col }, 'unterminated quote');
      let line = lineFrom(file, idx + 1, d.text, d.col, d.cols);
      if (d.continues && /^\$[A-Za-z_][A-Za-z0-9_]*=\s*$/.test(d.text)) {
        idx = this.readMultilineDef(file, raw, idx, line);
        continue;
      }
      let cont = d.continues;
      while (cont && idx + 1 < raw.length) {
        const next = decomment(raw[++idx]!);
        line = joinLines(line, lineFrom(file, idx + 1, next.text, next.col, next.cols));
        cont = next.continues;
      }
      if (line.text === '') continue;
      if (this.maybeInclude(line)) continue;
      this.handle(line, 0);
    }
  }

  /** `$NAME= \` then lines ending in `\`; the first line without one ends the definition. */
  private readMultilineDef(file: string, raw: string[], idx: number, head: SrcLine): number {
    const name = DEF_RE.exec(head.text)![1]!;
    const lines: SrcLine[] = [];
    while (idx + 1 < raw.length) {
      const d = decomment(raw[++idx]!);
      if (d.text === '' && !d.continues) continue;
      if (d.text !== '') lines.push(lineFrom(file, idx + 1, d.text, d.col, d.cols));
      if (!d.continues) break;
    }
    this.defs.set(name, { lines, multiline: true });
    return idx;
  }

  private maybeInclude(line: SrcLine): boolean {
    if (!line.text.startsWith('include')) return false;
    const m = /^(\S+)\s+(.+)$/.exec(line.text);
    if (!m || !INCLUDE_WORDS.has(m[1]!)) return false;
    const kind = m[1]!;
    let arg = m[2]!.trim();
    if (arg.startsWith('"') && arg.endsWith('"') && arg.length >= 2) arg = arg.slice(1, -1);
    const argPos = posAt(line, line.text.indexOf(m[2]!));
    const base = dirname(line.file);
    let patterns: string[];
    try {
      patterns = expandBraces(resolvePath(base, arg));
    } catch (err) {
      this.diags.error(argPos, (err as Error).message);
      return true;
    }
    const mustRead = kind === 'includer' || kind === 'includea';
    const mustMatch = kind === 'includem' || kind === 'includew' || kind === 'includeb' || kind === 'includea';
    const braceEach = kind === 'includeb' || kind === 'includea';
    const seen = new Set<string>();
    let any = false;
    for (const pat of patterns) {
      const files = hasWildcard(pat) ? this.opts.host.glob(pat) : [pat];
      const found: string[] = [];
      for (const f of files) {
        if (seen.has(f)) continue;
        if (!hasWildcard(pat)) {
          try {
            this.opts.host.readFile(f);
          } catch {
            if (mustRead || (mustMatch && !hasWildcard(arg))) this.diags.error(argPos, `${kind}: cannot read ${f}`);
            else this.diags.warn(argPos, `${kind}: no file ${f}; skipped`);
            continue;
          }
        }
        found.push(f);
      }
      if (found.length === 0 && braceEach && patterns.length > 1) this.diags.error(argPos, `${kind}: nothing matches ${pat}`);
      for (const f of found) {
        seen.add(f);
        any = true;
        this.processFile(f, argPos);
      }
    }
    if (!any && hasWildcard(arg)) {
      if (kind === 'includew' || kind === 'includea') this.diags.error(argPos, `${kind}: nothing matches ${arg}`);
    }
    return true;
  }

  private handle(line: SrcLine, depth: number): void {
    if (this.stopped) return;
    if (++this.work > (this.opts.maxWork ?? MAX_WORK)) {
      this.stop(line, `generators and parameters expand to more than ${this.opts.maxWork ?? MAX_WORK} steps`);
      return;
    }
    if (depth > MAX_DEPTH) {
      this.diags.error(posAt(line, 0), `parameter substitution or generators nested deeper than ${MAX_DEPTH} (a parameter that refers to itself?)`);
      return;
    }
    let text = line.text;
    if (text.startsWith('@')) {
      const m = /^@(\^?)(\S*)\s*/.exec(text)!;
      const matches = m[2] === this.opts.configId;
      if ((m[1] === '^') === matches) return;
      line = sliceLine(line, m[0].length);
      text = line.text;
      if (text === '') return;
    }
    const def = text.charCodeAt(0) === 36 /* $ */ ? DEF_RE.exec(text) : null;
    if (def) {
      this.defs.set(def[1]!, { lines: [sliceLine(line, def[0].length)], multiline: false });
      return;
    }
    if (text.charCodeAt(0) === 126 /* ~ */ && (text.startsWith('~SEQ') || text.startsWith('~LST'))) {
      this.generate(line, depth);
      return;
    }
    if (text.includes('$')) {
      const expanded = this.substitute(line);
      if (expanded) {
        for (const l of expanded) if (l.text.trim() !== '') this.handle(trimLine(l), depth + 1);
        return;
      }
    }
    if (this.emitted >= (this.opts.maxLines ?? MAX_LINES)) {
      this.stop(line, `configuration expands to more than ${this.opts.maxLines ?? MAX_LINES} lines`);
      return;
    }
    this.emitted++;
    this.emit(line);
  }

  private stop(line: SrcLine, why: string): void {
    this.stopped = true;
    this.diags.error(posAt(line, 0), why);
  }

  /** `~SEQ(var, start, step, end)`, `~SEQx(...)` and `~LST(var|{a,b}, v1|{1,2}, ...)`. */
  private generate(line: SrcLine, depth: number): void {
    const text = line.text;
    const open = text.indexOf('(');
    const kind = text.slice(1, open);
    const close = matchParen(text, open);
    if (open < 0 || close < 0 || !['SEQ', 'SEQx', 'LST'].includes(kind)) {
      this.diags.error(posAt(line, 0), 'malformed ~SEQ/~LST: expected ~SEQ(var, start, step, end), ~SEQx(...) or ~LST(var, values...)');
      return;
    }
    const args = splitArgs(text.slice(open + 1, close));
    const rest = trimLine(sliceLine(line, close + 1));
    const at = posAt(line, 0);
    let bindings: Array<Array<[string, string]>>;
    if (kind === 'LST') {
      const vars = unbrace(args[0] ?? '');
      if (vars.length === 0 || args.length < 2 || vars.some((v) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v))) {
        this.diags.error(at, '~LST needs a variable name (or {names}) and at least one value');
        return;
      }
      bindings = [];
      for (const a of args.slice(1)) {
        const vals = unbrace(a);
        if (vals.length !== vars.length) {
          this.diags.error(at, `~LST value ${a} has ${vals.length} parts for ${vars.length} variables`);
          return;
        }
        bindings.push(vars.map((v, i) => [v, vals[i]!]));
      }
    } else {
      const seq = seqValues(args);
      if (typeof seq === 'string') {
        this.diags.error(at, `~${kind}: ${seq}`);
        return;
      }
      const name = args[0]!.trim();
      bindings = seq.values.map((v) => [[name, kind === 'SEQx' ? v.toString(16) : String(v)]]);
    }
    const saved = new Map<string, Def | undefined>();
    for (const [name] of bindings[0] ?? []) saved.set(name, this.defs.get(name));
    for (const b of bindings) {
      if (this.stopped) break;
      for (const [name, value] of b) this.defs.set(name, { lines: [{ text: value, file: line.file, line: at.line, colBase: at.col }], multiline: false });
      if (rest.text !== '') this.handle(rest, depth + 1);
    }
    for (const [name, def] of saved) {
      if (def) this.defs.set(name, def);
      else this.defs.delete(name);
    }
  }

  /**
   * Replaces every defined `$NAME` (followed by a blank or the end) and `${NAME}`.
   * Returns null when nothing was replaced, so undefined `$WORDS` stay as written.
   */
  private substitute(line: SrcLine): SrcLine[] | null {
    const text = line.text;
    const map = mapOf(line);
    const outLines: { chars: string[]; lines: number[]; cols: number[] }[] = [{ chars: [], lines: [], cols: [] }];
    let cur = outLines[0]!;
    let changed = false;
    const push = (s: string, ln: number, col: number) => {
      for (const ch of s) {
        cur.chars.push(ch);
        cur.lines.push(ln);
        cur.cols.push(col);
      }
    };
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === '$') {
        const ref = readRef(text, i);
        if (ref) {
          const value = this.lookup(ref.name, ref.args, line);
          if (value !== undefined) {
            changed = true;
            const ln = map.lines[i]!;
            const col = map.cols[i]!;
            if (typeof value === 'string') push(value, ln, col);
            else {
              value.forEach((l, k) => {
                if (k > 0) {
                  cur = { chars: [], lines: [], cols: [] };
                  outLines.push(cur);
                }
                const m = mapOf(l);
                for (let j = 0; j < l.text.length; j++) {
                  cur.chars.push(l.text[j]!);
                  cur.lines.push(m.lines[j]!);
                  cur.cols.push(m.cols[j]!);
                }
              });
            }
            i = ref.end - 1;
            continue;
          }
        }
      }
      cur.chars.push(ch);
      cur.lines.push(map.lines[i]!);
      cur.cols.push(map.cols[i]!);
    }
    if (!changed) return null;
    return outLines.map((o) => withMap(line, o.chars.join(''), Int32Array.from(o.lines), Int32Array.from(o.cols)));
  }

  private lookup(name: string, args: string[], line: SrcLine): string | SrcLine[] | undefined {
    switch (name) {
      case '_PWD':
        return dirname(line.file);
      case '_INSTANCE':
        return this.opts.configId;
      case '_HASH':
        return '#';
      case '_BANG':
        return '!';
      case '_ENV':
        return args[0] === undefined ? undefined : (this.opts.host.env(args[0]) ?? '');
      case '_RANDOM': {
        const min = args[0] !== undefined ? Number(args[0]) : 0;
        const max = args[1] !== undefined ? Number(args[1]) : 32767;
        if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) return undefined;
        return String(min + Math.floor(this.opts.host.random() * (max - min + 1)));
      }
    }
    const def = this.defs.get(name);
    if (!def) return undefined;
    if (!def.multiline) return def.lines[0]?.text ?? '';
    return def.lines;
  }
}

function lineFrom(file: string, line: number, text: string, col: number, cols?: Int32Array): SrcLine {
  if (!cols) return { text, file, line, colBase: col };
  return { text, file, line, colBase: cols[0] ?? col, map: { lines: new Int32Array(text.length).fill(line), cols } };
}

function joinLines(a: SrcLine, b: SrcLine): SrcLine {
  if (a.text === '') return b;
  if (b.text === '') return a;
  const ma = mapOf(a);
  const mb = mapOf(b);
  const lines = new Int32Array(ma.lines.length + 1 + mb.lines.length);
  const cols = new Int32Array(lines.length);
  lines.set(ma.lines);
  cols.set(ma.cols);
  lines[ma.lines.length] = ma.lines[ma.lines.length - 1] ?? a.line;
  cols[ma.cols.length] = (ma.cols[ma.cols.length - 1] ?? a.colBase) + 1;
  lines.set(mb.lines, ma.lines.length + 1);
  cols.set(mb.cols, ma.cols.length + 1);
  return withMap(a, a.text + ' ' + b.text, lines, cols);
}

function sliceLine(l: SrcLine, from: number): SrcLine {
  if (!l.map) return { text: l.text.slice(from), file: l.file, line: l.line, colBase: l.colBase + from };
  return withMap(l, l.text.slice(from), l.map.lines.slice(from), l.map.cols.slice(from));
}

function trimLine(l: SrcLine): SrcLine {
  const lead = l.text.length - l.text.trimStart().length;
  const t = lead ? sliceLine(l, lead) : l;
  const end = t.text.trimEnd().length;
  if (end === t.text.length) return t;
  if (!t.map) return { ...t, text: t.text.slice(0, end) };
  return withMap(t, t.text.slice(0, end), t.map.lines.slice(0, end), t.map.cols.slice(0, end));
}

/** `$NAME` (ends at a blank or end of line) or `${NAME args}`. */
function readRef(text: string, i: number): { name: string; args: string[]; end: number } | null {
  if (text[i + 1] === '{') {
    const close = text.indexOf('}', i + 2);
    if (close < 0) return null;
    const parts = text.slice(i + 2, close).trim().split(/\s+/);
    const name = parts[0] ?? '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return null;
    return { name, args: parts.slice(1), end: close + 1 };
  }
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
  if (!m) return null;
  const end = i + 1 + m[0].length;
  if (end < text.length && !/\s/.test(text[end]!)) return null;
  return { name: m[0], args: [], end };
}

function matchParen(s: string, open: number): number {
  if (open < 0) return -1;
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Splits on commas outside `{...}`. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}') depth--;
    else if (s[i] === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out.filter((a, i) => a !== '' || i > 0);
}

function unbrace(s: string): string[] {
  const t = s.trim();
  if (t.startsWith('{') && t.endsWith('}')) return t.slice(1, -1).split(',').map((x) => x.trim());
  return t === '' ? [] : [t];
}

const SEQ_LIMIT = 1_000_000;

function seqValues(args: string[]): { values: number[] } | string {
  if (args.length < 2 || args.length > 4) return 'expected (var, end), (var, start, end) or (var, start, step, end)';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(args[0]!.trim())) return `bad variable name '${args[0]}'`;
  const nums = args.slice(1).map((a) => (/^-?(0x[0-9a-fA-F]+|\d+)$/.test(a) ? Number.parseInt(a, a.includes('x') ? 16 : 10) : NaN));
  if (nums.some((n) => Number.isNaN(n))) return 'start, step and end must be integers (decimal or 0x hex)';
  let start: number;
  let step: number;
  let end: number;
  if (nums.length === 1) {
    end = nums[0]!;
    start = end >= 0 ? 1 : -1;
    step = end >= start ? 1 : -1;
  } else if (nums.length === 2) {
    [start, end] = nums as [number, number];
    step = end >= start ? 1 : -1;
  } else [start, step, end] = nums as [number, number, number];
  if (step === 0) return 'step must not be 0';
  const values: number[] = [];
  for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
    values.push(v);
    if (values.length > SEQ_LIMIT) return `more than ${SEQ_LIMIT} values`;
  }
  return { values };
}
