import type { HttpUrl } from '../config/checks.ts';

/**
 * keepalived matches with PCRE2 over the body as it streams (partial matching
 * across 4 KiB windows). Vigil uses JavaScript's RegExp over the first
 * `maxRegexBytes` of the body, decoded one char per byte. Differences an
 * operator may meet: no possessive quantifiers or atomic groups before ES2025,
 * no \A \Z \z (use ^ $ without multiline), no (?i) inline flags, no `extended`
 * mode; options other than caseless, multiline, dotall, utf and ungreedy are
 * accepted and ignored. ungreedy is refused (JS has no global equivalent).
 */
const FLAG_FOR_OPTION: Record<string, string> = { caseless: 'i', multiline: 'm', dotall: 's' };

export function compileRegex(
  pattern: string,
  options: readonly string[],
): { ok: true; regex: RegExp } | { ok: false; message: string } {
  if (options.includes('ungreedy')) return { ok: false, message: 'regex_options ungreedy has no JavaScript equivalent' };
  const flags = new Set(['g']);
  for (const o of options) {
    const f = FLAG_FOR_OPTION[o];
    if (f) flags.add(f);
  }
  try {
    return { ok: true, regex: new RegExp(pattern, [...flags].join('')) };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

/** A match must start at or after regex_min_offset and before regex_max_offset, as in keepalived. */
export function regexMatches(regex: RegExp, subject: string, url: Pick<HttpUrl, 'regexMinOffset' | 'regexMaxOffset'>): boolean {
  regex.lastIndex = url.regexMinOffset ?? 0;
  const m = regex.exec(subject);
  if (!m) return false;
  return url.regexMaxOffset === undefined || url.regexMaxOffset === 0 || m.index < url.regexMaxOffset;
}
