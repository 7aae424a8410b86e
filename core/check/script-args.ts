/**
 * Splits misc_path into argv the way keepalived's alloc_strvec_quoted_escaped
 * does: words separated by blanks, '…' taken literally, "…" and bare words with
 * backslash escapes. The result is exec'd directly, never given to a shell, so
 * `;`, `|`, `$()` stay literal arguments.
 */
export function splitCommandLine(line: string): { ok: true; argv: string[] } | { ok: false; message: string } {
  const argv: string[] = [];
  let word: string | null = null;
  let i = 0;
  const push = (c: string) => (word = (word ?? '') + c);
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (word !== null) argv.push(word);
      word = null;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, message: 'unterminated single quote' };
      push(line.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      i++;
      word ??= '';
      for (;;) {
        if (i >= line.length) return { ok: false, message: 'unterminated double quote' };
        const d = line[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length) {
          push(line[i + 1]!);
          i += 2;
        } else {
          push(d);
          i++;
        }
      }
      i++;
    } else if (c === '\\' && i + 1 < line.length) {
      push(line[i + 1]!);
      i += 2;
    } else {
      push(c);
      i++;
    }
  }
  if (word !== null) argv.push(word);
  if (argv.length === 0) return { ok: false, message: 'empty command' };
  return { ok: true, argv };
}
