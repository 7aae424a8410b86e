import { describe, expect, it } from 'vitest';
import { compileRegex, regexMatches, REGEX_WORK_BUDGET } from './http-regex.ts';

const matches = (pattern: string, body: string, options: string[] = []) => {
  const c = compileRegex(pattern, options);
  if (!c.ok) throw new Error(c.message);
  return regexMatches(c.regex, body, {});
};

describe('regex: PCRE2 syntax on RE2', () => {
  it.each([
    ['(a)\\1', 3, 'backreference \\N'],
    ['x(?=y)', 1, 'lookahead'],
    ['x(?!y)', 1, 'lookahead'],
    ['(?<=a)b', 0, 'lookbehind'],
    ['(?<!a)b', 0, 'lookbehind'],
    ['a++', 1, 'possessive quantifier'],
    ['a{2}+', 3, 'possessive quantifier'],
    ['(?>ab)', 0, 'atomic group'],
    ['a\\Cb', 1, 'single code unit \\C'],
    ['(a|(?R))', 3, 'recursion'],
    ['(a)(?1)', 3, 'recursion'],
    ['(?<n>a)\\k<n>', 7, 'named backreference'],
    ['(?P<n>a)(?P=n)', 8, 'backreference (?P=name)'],
    ['a(*SKIP)b', 1, 'backtracking control verb'],
    ['(?(1)a|b)', 0, 'conditional group'],
    ['ab\\K', 2, 'match start reset'],
  ])('refuses %s, naming the construct at index %i', (pattern, index, name) => {
    const c = compileRegex(pattern, []);
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.index).toBe(index);
    expect(c.message).toContain(name);
  });

  it('reads [...] members and \\Q...\\E as literal, not as constructs', () => {
    expect(matches('[(?=]', '=')).toBe(true);
    expect(matches('\\Q(?=a)\\E', 'x(?=a)')).toBe(true);
    expect(matches('[]a]+', ']]')).toBe(true);
  });

  it('$ and \\Z match before a final newline, as in PCRE2; dollar_endonly and \\z only at the end', () => {
    expect(matches('OK$', 'OK\n')).toBe(true);
    expect(matches('OK\\Z', 'OK\n')).toBe(true);
    expect(matches('OK$', 'OK\n\n')).toBe(false);
    expect(matches('OK$', 'OK\n', ['dollar_endonly'])).toBe(false);
    expect(matches('OK\\z', 'OK\n')).toBe(false);
    expect(matches('^up$', 'x\nup\ny', ['multiline'])).toBe(true);
  });

  it('\\s includes vertical tab and \\v is any vertical space, as in PCRE2', () => {
    expect(matches('a\\sb', 'a\x0bb')).toBe(true);
    expect(matches('a\\Sb', 'a\x0bb')).toBe(false);
    expect(matches('a\\vb', 'a\nb')).toBe(true);
    expect(matches('a[\\s]b', 'a\x0bb')).toBe(true);
    expect(compileRegex('[\\S]', []).ok).toBe(false);
  });

  it('maps options: caseless, dotall, multiline, ungreedy, firstline; refuses extended, utf, ucp and unknown words', () => {
    expect(matches('status: up', 'STATUS: UP', ['caseless'])).toBe(true);
    expect(matches('a.b', 'a\nb')).toBe(false);
    expect(matches('a.b', 'a\nb', ['dotall'])).toBe(true);
    expect(matches('up', 'line one\nup', ['firstline'])).toBe(false);
    expect(matches('up', 'up\nx', ['firstline'])).toBe(true);
    for (const o of ['extended', 'utf', 'ucp', 'allow_empty_class', 'alt_bsux', 'no_such_option']) expect(compileRegex('a', [o]).ok).toBe(false);
    for (const o of ['no_auto_capture', 'no_start_optimize', 'dupnames']) expect(compileRegex('a', [o]).ok).toBe(true);
  });

  it('scans no more of the body than its work budget allows, larger programs scanning less', () => {
    const small = compileRegex('up', []);
    const large = compileRegex('(?:a?){100}a{100}z', []);
    if (!small.ok || !large.ok) throw new Error('should compile');
    expect(small.regex.maxScanBytes).toBeGreaterThanOrEqual(1024 * 1024);
    expect(large.regex.maxScanBytes).toBeLessThan(REGEX_WORK_BUDGET / 200);
    const body = 'x'.repeat(large.regex.maxScanBytes) + 'a'.repeat(100) + 'z';
    expect(regexMatches(large.regex, body, {})).toBe(false);
    expect(regexMatches(large.regex, body.slice(large.regex.maxScanBytes - 1000), {})).toBe(true);
  });

  it('ends the slowest patterns found within a second over the most body a check keeps (1 MiB)', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const body = Array.from({ length: 1 << 20 }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join('');
    for (const p of ['(?:[a-z][a-y]?){90}[0-9]', '(?:a|b|c|d|e|f|g|h|i|j|k|l|m)*[a-z]{150}[0-9]', '(?:[a-x]+[b-y]+[c-z]+){30}[0-9]', '(a+)+$']) {
      const c = compileRegex(p, []);
      if (!c.ok) throw new Error(c.message);
      const t0 = performance.now();
      expect(regexMatches(c.regex, body, {})).toBe(false);
      expect(performance.now() - t0, p).toBeLessThan(1000);
    }
  });

  it('never lets an end anchor match where the scan stopped rather than where the body ended', () => {
    const c = compileRegex('(a+)+$', []);
    if (!c.ok) throw new Error(c.message);
    const body = 'a'.repeat(c.regex.maxScanBytes + 10) + 'b';
    expect(regexMatches(c.regex, body, {})).toBe(false);
    expect(regexMatches(c.regex, 'aaa', {}, false)).toBe(false);
    expect(regexMatches(c.regex, 'aaa', {}, true)).toBe(true);
    const m = compileRegex('^a+$', ['multiline']);
    if (!m.ok) throw new Error(m.message);
    expect(regexMatches(m.regex, 'x\naaa', {}, false)).toBe(false);
    expect(regexMatches(m.regex, 'aaa\nx', {}, false)).toBe(true);
  });
});
