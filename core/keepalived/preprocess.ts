import type { Diagnostics, Pos } from './diagnostics.ts';
import { decomment, mapOf, posAt, withMap, type SrcLine } from './lexer.ts';
import { dirname, expandBraces, hasWildcard, resolvePath } from './paths.ts';
import { BudgetMeter, DEFAULT_EXPANSION_BUDGET, type ExpansionBudget } from './expansion-budget.ts';
import { matchParen, seqRange, splitArgs, unbrace } from './generator-args.ts';
import { LineBuilder, readRef } from './substitution.ts';

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
  /** What includes, parameters and generators may produce together (default DEFAULT_EXPANSION_BUDGET). */
  budget?: ExpansionBudget | undefined;
}

interface Def {
  lines: SrcLine[];
  multiline: boolean;
}

const MAX_DEPTH = 64;
const MAX_INCLUDE_DEPTH = 32;
const DEF_RE = /^\$([A-Za-z_][A-Za-z0-9_]*)=/;
const INCLUDE_WORDS = new Set(['include', 'includer', 'includem', 'includew', 'includeb', 'includea']);

/**
 * The textual layer of keepalived.conf: includes, line joining, `@id`
 * conditionals, `$NAME=value` parameters (multi-line too), `~SEQ`/`~SEQx`/
 * `~LST` generators, and substitution. Yields logical lines, each character
 * still pointing at its origin.
 */
export class Preprocessor {
  private readonly defs = new Map<string, Def>();
  private readonly includeStack: string[] = [];
  private readonly meter: BudgetMeter;
  private readonly builder = new LineBuilder();
  /** Set once the budget is spent: everything after is skipped, the error already reported. */
  private stopped = false;

  /** True once a budget stopped the reading: what was read is a fragment, and nothing else about it is worth saying. */
  get exhausted(): boolean {
    return this.stopped;
  }

  /** `emit` receives each logical line as soon as it is ready, so lines need not all live at once. */
  constructor(
    private readonly opts: PreprocessOptions,
    private readonly diags: Diagnostics,
    private readonly emit: (line: SrcLine) => void,
  ) {
    this.meter = new BudgetMeter(opts.budget ?? DEFAULT_EXPANSION_BUDGET);
  }

  /**
   * Each file is read from the host once per configuration read: an include
   * first checks the file can be read, then reads it, and a file included many
   * times (fanned-out includes) would otherwise cost a disk read each time.
   */
  private readonly files = new Map<string, string | Error>();

  private readFile(path: string): string {
    let got = this.files.get(path);
    if (got === undefined) {
      try {
        got = this.opts.host.readFile(path);
      } catch (err) {
        got = err instanceof Error ? err : new Error(String(err));
      }
      this.files.set(path, got);
    }
    if (got instanceof Error) throw got;
    return got;
  }

  /** Counts what is about to be produced; past the budget, reports it at file:line:col and stops everything. */
  private spend(bytes: number, lines: number, file: string, line: number, col: number): boolean {
    if (this.meter.spend(bytes, lines)) return true;
    if (!this.stopped) this.diags.error({ file, line, col }, this.meter.describe());
    this.stopped = true;
    return false;
  }

  /** Whether a line of `length` bytes fits; past the line limit, reports it at file:line:col and stops everything. */
  private lineFits(length: number, file: string, line: number, col: number): boolean {
    if (length <= this.meter.lineBytes) return true;
    if (!this.stopped) this.diags.error({ file, line, col }, `a line expands past ${this.meter.lineBytes.toLocaleString('en')} bytes: stopped here`);
    this.stopped = true;
    return false;
  }

  processFile(path: string, from?: Pos): void {
    let text: string;
    try {
      text = this.readFile(path);
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
    // Lines are cut one at a time, not split up front: an array of every line would outlive the read, all of it copied by each collection.
    const raw = new RawLines(text);
    for (let got = raw.next(); got !== undefined && !this.stopped; got = raw.next()) {
      const idx = raw.index;
      if (!this.spend(got.length + 1, 1, file, idx + 1, 1) || !this.lineFits(got.length, file, idx + 1, 1)) return;
      const d = decomment(got);
      if (d.unterminatedQuote) this.diags.warn({ file, line: idx + 1, col: d.col }, 'unterminated quote');
      let line = lineFrom(file, idx + 1, d.text, d.col, d.cols);
      if (d.continues && /^\$[A-Za-z_][A-Za-z0-9_]*=\s*$/.test(d.text)) {
        this.readMultilineDef(file, raw, line);
        continue;
      }
      let cont = d.continues;
      while (cont && raw.hasNext()) {
        const nextRaw = raw.next()!;
        if (!this.spend(nextRaw.length + 1, 1, file, raw.index + 1, 1)) return;
        const next = decomment(nextRaw);
        line = joinLines(line, lineFrom(file, raw.index + 1, next.text, next.col, next.cols));
        if (!this.lineFits(line.text.length, file, raw.index + 1, 1)) return;
        cont = next.continues;
      }
      if (line.text === '') continue;
      if (this.maybeInclude(line)) continue;
      this.handle(line, 0);
    }
  }

  /** `$NAME= \` then lines ending in `\`; the first line without one ends the definition. */
  private readMultilineDef(file: string, raw: RawLines, head: SrcLine): void {
    const name = DEF_RE.exec(head.text)![1]!;
    const lines: SrcLine[] = [];
    while (raw.hasNext()) {
      const got = raw.next()!;
      if (!this.spend(got.length + 1, 1, file, raw.index + 1, 1)) break;
      const d = decomment(got);
      if (d.text === '' && !d.continues) continue;
      if (d.text !== '') lines.push(lineFrom(file, raw.index + 1, d.text, d.col, d.cols));
      if (!d.continues) break;
    }
    this.defs.set(name, { lines, multiline: true });
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
            this.readFile(f);
          } catch {
            if (mustRead || (mustMatch && !hasWildcard(arg))) this.diags.error(argPos, `${kind}: cannot read ${f}`);
            // keepalived prints this and stays clean (exit 0): a note, in its words.
            else this.diags.note(argPos, `Config files missing '${f}'. (${kind}: skipped)`);
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
      // keepalived says nothing here unless include_check asks; Vigil's advice, as a note.
      else this.diags.note(argPos, `No config files matched '${arg}'. (${kind}: nothing read)`);
    }
    return true;
  }

  private handle(line: SrcLine, depth: number): void {
    if (this.stopped) return;
    if (depth > MAX_DEPTH) {
      // Reported once and fatal: a self-referring parameter inside a generator
      // would otherwise report (and build) the same error down every branch.
      this.diags.error(posAt(line, 0), `parameter substitution or generators nested deeper than ${MAX_DEPTH} (a parameter that refers to itself?)`);
      this.stopped = true;
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
    this.emit(line);
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
    let vars: string[];
    let count: number;
    let valueAt: (k: number) => string[];
    if (kind === 'LST') {
      vars = unbrace(args[0] ?? '');
      if (vars.length === 0 || args.length < 2 || vars.some((v) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v))) {
        this.diags.error(at, '~LST needs a variable name (or {names}) and at least one value');
        return;
      }
      const lists: string[][] = [];
      for (const a of args.slice(1)) {
        const vals = unbrace(a);
        if (vals.length !== vars.length) {
          this.diags.error(at, `~LST value ${a} has ${vals.length} parts for ${vars.length} variables`);
          return;
        }
        lists.push(vals);
      }
      count = lists.length;
      valueAt = (k) => lists[k]!;
    } else {
      const seq = seqRange(args);
      if (typeof seq === 'string') {
        this.diags.error(at, `~${kind}: ${seq}`);
        return;
      }
      vars = [args[0]!.trim()];
      count = seq.count;
      valueAt = (k) => {
        const v = seq.start + k * seq.step;
        return [kind === 'SEQx' ? v.toString(16) : String(v)];
      };
    }
    // Each iteration yields a line, empty or not: counted before any is built,
    // so ~SEQ(a,1,100) ~SEQ(b,1,1000000) stops at the inner generator at once.
    if (rest.text === '') {
      this.spend(0, count, at.file, at.line, at.col);
      return;
    }
    const saved = new Map<string, Def | undefined>();
    for (const name of vars) saved.set(name, this.defs.get(name));
    for (let k = 0; k < count && !this.stopped; k++) {
      if (!this.spend(rest.text.length, 1, at.file, at.line, at.col)) break;
      const values = valueAt(k);
      vars.forEach((name, i) => this.defs.set(name, { lines: [{ text: values[i]!, file: line.file, line: at.line, colBase: at.col }], multiline: false }));
      this.handle(rest, depth + 1);
    }
    for (const [name, def] of saved) {
      if (def) this.defs.set(name, def);
      else this.defs.delete(name);
    }
  }

  /**
   * Replaces every defined `$NAME` (followed by a blank or the end) and `${NAME}`.
   * Returns null when nothing was replaced, so undefined `$WORDS` stay as written.
   * Each value is counted against the budget before it is added, so a line that
   * would grow past it is never built.
   */
  private substitute(line: SrcLine): SrcLine[] | null {
    const text = line.text;
    const b = this.builder;
    const out: SrcLine[] = [];
    let changed = false;
    let literalFrom = 0;
    // The length of the line being built, so one line cannot outgrow the line limit however it is fed.
    let building = 0;
    const closes = { at: -2 };
    for (let i = text.indexOf('$'); i >= 0; i = text.indexOf('$', i + 1)) {
      const ref = readRef(text, i, closes);
      if (!ref) continue;
      const value = this.lookup(ref.name, ref.args, line);
      if (value === undefined) continue;
      if (!changed) b.reset();
      changed = true;
      const at = posAt(line, i);
      building += i - literalFrom;
      if (!this.spend(i - literalFrom, 0, at.file, at.line, at.col) || !this.lineFits(building, at.file, at.line, at.col)) return [];
      b.addFrom(line, literalFrom, i);
      if (typeof value === 'string') {
        building += value.length;
        if (!this.spend(value.length, 0, at.file, at.line, at.col) || !this.lineFits(building, at.file, at.line, at.col)) return [];
        b.addAt(value, at.line, at.col);
      } else {
        for (let k = 0; k < value.length; k++) {
          const l = value[k]!;
          building = (k > 0 ? 0 : building) + l.text.length;
          if (!this.spend(l.text.length, k > 0 ? 1 : 0, at.file, at.line, at.col) || !this.lineFits(building, at.file, at.line, at.col)) return [];
          if (k > 0) out.push(b.take(line));
          b.addFrom(l, 0, l.text.length);
        }
      }
      literalFrom = ref.end;
      i = ref.end - 1;
    }
    if (!changed) return null;
    building += text.length - literalFrom;
    if (!this.spend(text.length - literalFrom, 1, line.file, line.line, line.colBase) || !this.lineFits(building, line.file, line.line, line.colBase)) return [];
    b.addFrom(line, literalFrom, text.length);
    out.push(b.take(line));
    return out;
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

/** A text's lines as `text.split('\n')` gives them (a last empty one after a final newline too), one at a time. */
class RawLines {
  private at = 0;
  /** 0-based index of the line next() returned last. */
  index = -1;

  constructor(private readonly text: string) {}

  hasNext(): boolean {
    return this.at <= this.text.length;
  }

  next(): string | undefined {
    if (this.at > this.text.length) return undefined;
    let end = this.text.indexOf('\n', this.at);
    if (end < 0) end = this.text.length;
    const line = this.text.slice(this.at, end);
    this.at = end + 1;
    this.index++;
    return line;
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
