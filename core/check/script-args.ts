import { splitScriptCommand } from '../keepalived/lexer.ts';

/**
 * Splits a script line (misc_path, notify, track scripts) into argv with the
 * config reader's own rules (keepalived's alloc_strvec_quoted_escaped: blanks
 * separate, quotes group, backslash escapes). The result is exec'd directly,
 * never given to a shell, so `;`, `|`, `$()` stay literal arguments.
 */
export function splitCommandLine(line: string): { ok: true; argv: string[] } | { ok: false; message: string } {
  const argv = splitScriptCommand(line);
  if (argv === null) return { ok: false, message: 'unterminated quote or trailing backslash' };
  if (argv.length === 0) return { ok: false, message: 'empty command' };
  return { ok: true, argv };
}
