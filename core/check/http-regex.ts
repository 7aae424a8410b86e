import { RE2JS } from 're2js';
import type { HttpUrl } from '../config/checks.ts';

/**
 * keepalived matches `regex` with PCRE2 (backtracking, with match limits).
 * Vigil matches with RE2 (re2js: linear time, the same in Node and workerd),
 * over a latin1 view of the body (one char per byte, as PCRE2 without utf).
 * PCRE2 syntax RE2 cannot express is refused at read time, naming the
 * construct; syntax both accept but read differently is rewritten here so the
 * match is PCRE2's. core/check/keepalived-differences.md lists what remains.
 */

/** keepalived's regex_options: how each maps, or why it is refused. */
const OPTIONS: Record<string, { flag?: number; refuse?: string }> = {
  caseless: { flag: RE2JS.CASE_INSENSITIVE },
  dotall: { flag: RE2JS.DOTALL },
  multiline: { flag: RE2JS.MULTILINE },
  ungreedy: {},
  dollar_endonly: {},
  firstline: {},
  // Capture, start-of-match and optimisation switches: no effect on whether a body matches.
  auto_callout: {},
  dupnames: {},
  match_unset_backref: {},
  never_ucp: {},
  never_utf: {},
  no_auto_capture: {},
  no_auto_possess: {},
  no_dotstar_anchor: {},
  no_start_optimize: {},
  allow_empty_class: { refuse: 'allow_empty_class changes what [] means and RE2 has no such mode' },
  alt_bsux: { refuse: 'alt_bsux changes what \\u \\U \\x mean and RE2 has no such mode' },
  extended: { refuse: 'extended (blanks and # comments in the pattern) has no RE2 equivalent: write the pattern without them' },
  ucp: { refuse: 'ucp needs a UTF-8 view of the body; Vigil matches bytes' },
  utf: { refuse: 'utf needs a UTF-8 view of the body; Vigil matches bytes' },
};

/**
 * Work budget for one match. RE2's cost is at worst (compiled program size) ×
 * (bytes scanned), measured at 17-34 ns per instruction-byte for the slowest
 * patterns found (`(?:[a-z][a-y]?){90}[0-9]` over 1 MiB of letters took 4.9 s
 * unbounded). So the bytes scanned shrink as the program grows: 10^7 keeps one
 * match near a quarter of a second at worst (a third under load), so a prober
 * running checks on 1 s deadlines is never held long. A program of up to 9
 * instructions (`ok|fine`) scans the whole 1 MiB the response reader keeps,
 * `status: *up` (13) its first 769 KB, `<title>Welcome to nginx!</title>` (34)
 * its first 294 KB: health pages are far shorter.
 */
export const REGEX_WORK_BUDGET = 10_000_000;

export interface CompiledRegex {
  re: RE2JS;
  /** The same pattern for a body cut at the scan limit: end anchors never match at the cut. */
  reCut: RE2JS;
  /** Multi-line `$` (and \b) can still match at a cut: there, a match that ends at the cut does not count. */
  multiline: boolean;
  /** Most bytes of the body scanned: the work budget over the program size. */
  maxScanBytes: number;
  /** firstline: the match must start on the first line. */
  firstLine: boolean;
}

export type RegexCompile = { ok: true; regex: CompiledRegex } | { ok: false; message: string; index: number };

/** An empty class: matches nothing, anywhere. */
const NEVER = '[^\\x00-\\x{10FFFF}]';

/** PCRE2 constructs RE2 cannot express, found where they start (index into the pattern). */
const UNSUPPORTED: Array<[RegExp, string]> = [
  [/^\(\?[=!]/, 'lookahead (?= or (?!'],
  [/^\(\?<[=!]/, 'lookbehind (?<= or (?<!'],
  [/^\(\?>/, 'atomic group (?>'],
  [/^\(\?(?:R|[+-]?\d+|&\w+|P>\w+)\)/, 'recursion or subroutine call'],
  [/^\(\?\(/, 'conditional group (?('],
  [/^\(\?C/, 'callout (?C'],
  [/^\(\?P=/, 'backreference (?P=name)'],
  [/^\(\?'/, "named group (?'name'...) (write (?P<name>...))"],
  [/^\(\*[A-Z_]/, 'backtracking control verb or start-of-pattern option (*...)'],
  [/^\\[1-9]/, 'backreference \\N'],
  [/^\\g/, 'backreference or subroutine \\g'],
  [/^\\k/, 'named backreference \\k'],
  [/^\\C/, 'single code unit \\C'],
  [/^\\K/, 'match start reset \\K'],
  [/^\\[GRXNhH]/, 'PCRE2-only escape'],
  [/^[*+?}][+]/, 'possessive quantifier'],
];

/**
 * Rewrites a PCRE2 pattern into RE2 syntax with PCRE2's meaning, or names
 * the first construct RE2 cannot express and where it is.
 */
export function translatePcre(
  pattern: string,
  dollarEndOnly: boolean,
  multiline: boolean,
  cut = false,
): { ok: true; source: string } | { ok: false; message: string; index: number } {
  // Over a body cut at the scan limit, the end of the text is not the body's end: no end anchor may match there.
  const z = cut ? NEVER : '\\z';
  // PCRE2's $ (and \Z) also match before a final newline; RE2's $ only at the very end.
  const end = dollarEndOnly ? z : `(?:\\n?${z})`;
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && pattern[i + 1] === 'Q') {
      const stop = pattern.indexOf('\\E', i + 2);
      const to = stop < 0 ? pattern.length : stop + 2;
      out += pattern.slice(i, to);
      i = to - 1;
      continue;
    }
    if (!inClass) {
      const rest = pattern.slice(i, i + 16);
      for (const [re, name] of UNSUPPORTED) if (re.test(rest)) return { ok: false, index: i, message: `${name} is PCRE2 syntax RE2 cannot express` };
    }
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === 'Z' && !inClass) out += end;
      else if (e === 'z' && !inClass) out += z;
      // PCRE2's \v is any vertical space, \s includes VT (0x0b); RE2 reads \v as VT alone and leaves VT out of \s.
      else if (e === 'v') out += inClass ? '\\n\\x0b\\f\\r\\x85' : '[\\n\\x0b\\f\\r\\x85]';
      else if (e === 's') out += inClass ? '\\t-\\r ' : '[\\t-\\r ]';
      else if (e === 'S' && !inClass) out += '[^\\t-\\r ]';
      else if (e === 'S') return { ok: false, index: i, message: '\\S inside [...] reads differently in RE2 (vertical tab): write [^...] with \\s instead' };
      else out += c + (e ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const close = pattern.indexOf(':]', i + 2);
        if (close > 0) {
          out += pattern.slice(i, close + 2);
          i = close + 1;
          continue;
        }
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ] right after [ or [^ is a literal member in both dialects.
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += pattern[++i];
      continue;
    }
    out += c === '$' && !multiline ? end : c;
  }
  return { ok: true, source: out };
}

/**
 * Compiled patterns by options and source: a prober runs the same url's check
 * every delay_loop, and compiling two RE2 programs each time would cost more
 * than most matches. Bounded: cleared when full.
 */
const compiled = new Map<string, RegexCompile>();
const MAX_COMPILED = 512;

export function compileRegex(pattern: string, options: readonly string[]): RegexCompile {
  const key = `${options.join(' ')}\0${pattern}`;
  let c = compiled.get(key);
  if (c) return c;
  c = compileUncached(pattern, options);
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(key, c);
  return c;
}

function compileUncached(pattern: string, options: readonly string[]): RegexCompile {
  let flags = 0;
  for (const o of options) {
    const opt = OPTIONS[o];
    if (!opt) return { ok: false, index: -1, message: `regex_options: '${o}' is not an option keepalived knows (${Object.keys(OPTIONS).join(' ')})` };
    if (opt.refuse) return { ok: false, index: -1, message: `regex_options ${opt.refuse}` };
    flags |= opt.flag ?? 0;
  }
  // An inline (?m) makes $ RE2's multi-line $, which is PCRE2's too.
  const multiline = options.includes('multiline') || /\(\?[a-zA-Z]*m[a-zA-Z]*[):-]/.test(pattern);
  const t = translatePcre(pattern, options.includes('dollar_endonly'), multiline);
  if (!t.ok) return t;
  const cut = translatePcre(pattern, options.includes('dollar_endonly'), multiline, true);
  if (!cut.ok) return cut;
  const prefix = options.includes('ungreedy') ? '(?U)' : '';
  try {
    const re = RE2JS.compile(prefix + t.source, flags);
    const reCut = RE2JS.compile(prefix + cut.source, flags);
    const size = Math.max(1, re.matcher('').numberOfInstructions, reCut.matcher('').numberOfInstructions);
    return { ok: true, regex: { re, reCut, multiline, maxScanBytes: Math.floor(REGEX_WORK_BUDGET / size), firstLine: options.includes('firstline') } };
  } catch (err) {
    return { ok: false, index: 0, message: `RE2 cannot compile it: ${(err as Error).message}` };
  }
}

/**
 * A match must start at or after regex_min_offset and before regex_max_offset, as in keepalived.
 * `complete` is false when `body` is only the first part of what the server sent (the reader's cap).
 */
export function regexMatches(regex: CompiledRegex, body: string, url: Pick<HttpUrl, 'regexMinOffset' | 'regexMaxOffset'>, complete = true): boolean {
  const cut = !complete || body.length > regex.maxScanBytes;
  const subject = body.length > regex.maxScanBytes ? body.slice(0, regex.maxScanBytes) : body;
  const from = url.regexMinOffset ?? 0;
  if (from > subject.length) return false;
  const m = (cut ? regex.reCut : regex.re).matcher(subject);
  if (!m.find(from)) return false;
  if (cut && regex.multiline && m.end() === subject.length) return false;
  const start = m.start();
  if (regex.firstLine) {
    const nl = subject.indexOf('\n');
    if (nl >= 0 && start > nl) return false;
  }
  return url.regexMaxOffset === undefined || url.regexMaxOffset === 0 || start < url.regexMaxOffset;
}
