/**
 * POSIX path helpers and csh-style brace expansion, written out here because
 * core/ may not import node:path (it also runs in workerd).
 */

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return p.slice(0, i);
}

export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

/** Joins `rel` onto `base` unless it is absolute, and folds `.` and `..`. */
export function resolvePath(base: string, rel: string): string {
  const joined = isAbsolute(rel) ? rel : `${base}/${rel}`;
  const out: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  const abs = isAbsolute(joined);
  return (abs ? '/' : '') + out.join('/') || (abs ? '/' : '.');
}

export function hasWildcard(p: string): boolean {
  return /[*?[]/.test(p);
}

/**
 * Expands `{a,b}` alternatives, nested as in "{foo/{,cat,dog},bar}".
 * Returns one pattern per alternative, in order; a lone `{` or `{}` is literal.
 */
export function expandBraces(pattern: string, limit = 4096): string[] {
  const open = findBraceOpen(pattern);
  if (open < 0) return [pattern];
  const close = matchingBrace(pattern, open);
  if (close < 0) return [pattern];
  const inner = pattern.slice(open + 1, close);
  const alts = splitTopLevel(inner);
  if (alts.length < 2) {
    // "{x}" has no alternatives: keep it literal, expand what follows.
    return expandBraces(pattern.slice(close + 1), limit).map((rest) => pattern.slice(0, close + 1) + rest);
  }
  const out: string[] = [];
  for (const alt of alts) {
    for (const e of expandBraces(pattern.slice(0, open) + alt + pattern.slice(close + 1), limit)) {
      out.push(e);
      if (out.length > limit) throw new Error(`brace expansion yields more than ${limit} patterns`);
    }
  }
  return out;
}

function findBraceOpen(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '{') return i;
  }
  return -1;
}

function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** Turns one path segment with * ? [..] into an anchored RegExp, as glob(3) matches names. */
export function segmentToRegExp(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let cls = seg.slice(i + 1, end);
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += '[' + cls.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else if (c === '\\' && i + 1 < seg.length) re += '\\' + seg[++i];
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}
