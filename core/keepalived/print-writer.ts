import type { Script } from '../config/primitives.ts';

/** Indented keepalived.conf lines, and the word helpers every printer shares. */
export class Writer {
  private readonly out: string[] = [];
  private depth = 0;

  line(s: string): void {
    this.out.push('    '.repeat(this.depth) + s);
  }

  block(head: string, body: () => void): void {
    this.line(head + ' {');
    this.depth++;
    body();
    this.depth--;
    this.line('}');
  }

  /** `keyword value` when the value is set. */
  opt(keyword: string, value: string | number | undefined): void {
    if (value !== undefined) this.line(`${keyword} ${typeof value === 'number' ? value : q(value)}`);
  }

  /** A flag; `dflt` is the value that needs no line (omit it for settings that inherit when unset). */
  flag(keyword: string, on: boolean | undefined, dflt?: boolean): void {
    if (on === undefined || on === dflt) return;
    this.line(on ? keyword : `${keyword} off`);
  }

  timer(keyword: string, ms: number | undefined, dflt?: number): void {
    if (ms !== undefined && ms !== dflt) this.line(`${keyword} ${seconds(ms)}`);
  }

  script(keyword: string, s: Script | undefined): void {
    if (s) this.line(words(keyword, q(s.command), ...(s.user ? [q(s.user)] : []), ...(s.group ? [q(s.group)] : [])));
  }

  passthrough(list: { keyword: string; args: string[]; body?: string[] | undefined }[]): void {
    for (const p of list) {
      if (p.body === undefined) this.line(words(p.keyword, ...p.args.map((a) => q(a))));
      else this.block(words(p.keyword, ...p.args.map((a) => q(a))), () => p.body!.forEach((l) => this.line(l.trim())));
    }
  }

  text(): string {
    return this.out.join('\n') + '\n';
  }
}

export function words(...w: string[]): string {
  return w.filter((x) => x !== '').join(' ');
}

/** Milliseconds back to keepalived's seconds, without float noise (µs resolution). */
export function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(6)));
}

/**
 * A value as one keepalived word: bare when it has no blank, quote, comment
 * character, brace word or `$`, else double-quoted (keepalived has no escape
 * inside quotes, so a value with `"` cannot be written and the model forbids it).
 */
export function q(v: string): string {
  if (v !== '' && /^[^\s"#!$]+$/.test(v) && v !== '{' && v !== '}' && !/^[@~]/.test(v)) return v;
  return `"${v}"`;
}
