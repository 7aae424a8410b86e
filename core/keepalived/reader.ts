import { isIP, parsePrefix } from '../config/ip.ts';
import type { Script } from '../config/primitives.ts';
import type { Diagnostics, Pos } from './diagnostics.ts';
import type { Token } from './lexer.ts';
import type { Statement } from './tree.ts';

/** A keyword handler: reads one statement into `target`. */
export type Handler<T> = (r: Reader, s: Statement, target: T) => void;
export type HandlerTable<T> = Record<string, Handler<T>>;

/** A keyword's place in the file, for messages about the keyword as a whole. */
export interface KeywordUse {
  keyword: string;
  pos: Pos;
}

/**
 * Keywords Vigil carries without acting on (passthrough) whose absence
 * changes what a director does on the wire or on the host: the shim refuses
 * them too. The rest of the passthrough lists is process tuning, SNMP, D-Bus,
 * logging and file locations, which change nothing another host would see.
 */
const RUNTIME_PASSTHROUGH_REFUSED: readonly string[] = [
  // vrrp_instance
  'unicast_fault_no_peer', 'old_unicast_checksum', 'native_ipv6', 'vrf', 'track_src_ip', 'promote_secondaries',
  'notify_priority_changes', 'garp_extra_if', 'vmac_garp_intvl', 'owner_ignore_adverts', 'auth_hmac',
  // global_defs
  'startup_script', 'shutdown_script', 'default_interface', 'lvs_timeouts', 'vrrp_min_garp', 'vrrp_garp_extra_if',
  'vrrp_vmac_garp_intvl', 'nftables_ipvs', 'vrrp_notify_priority_changes', 'vrrp_owner_ignore_adverts', 'net_namespace',
  'net_namespace_ipvs', 'vrrp_startup_delay', 'disable_local_igmp', 'rs_init_notifies', 'fifo_write_vrrp_states_on_reload',
];

/**
 * keepalived keywords Vigil reads (check-config is clean, import/export keep
 * them) but the shim does not act on: it refuses to start with any of them
 * rather than run without it (issue #17).
 */
export const SHIM_UNIMPLEMENTED: ReadonlySet<string> = new Set([
  'use_vmac_addr', 'use_ipvlan', 'track_bfd', 'bfd_instance',
  ...RUNTIME_PASSTHROUGH_REFUSED,
]);

/** The model's longest duration (DurationMs): Node's longest timer. */
const MAX_TIMER_MS = 2 ** 31;

const BOOL_WORDS: Record<string, boolean> = { on: true, true: true, yes: true, off: false, false: false, no: false };

/**
 * Value readers shared by every block. Each reports a bad value at the
 * offending token's file:line:col and returns undefined, so reading goes on
 * and every error in a file is reported in one pass.
 */
export class Reader {
  /**
   * `uses` collects where each keyword the shim does not implement appears
   * (SHIM_UNIMPLEMENTED), so the shim can refuse at start naming file:line.
   */
  constructor(
    readonly diags: Diagnostics,
    readonly uses: KeywordUse[] = [],
  ) {}

  /**
   * Runs the handlers of a block; an unknown keyword warns and is skipped. Its
   * block is not: keepalived ignores the unknown keyword's `{`, reads the
   * block's lines as this block's own, and takes its `}` as this block's end,
   * so whatever follows is not read here (keepalived reads it one level up).
   */
  block<T>(stmts: Statement[] | undefined, table: HandlerTable<T>, target: T, where: string): void {
    let list = stmts ?? [];
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const h = Object.prototype.hasOwnProperty.call(table, s.keyword.text) ? table[s.keyword.text] : undefined;
      if (h && SHIM_UNIMPLEMENTED.has(s.keyword.text)) this.uses.push({ keyword: s.keyword.text, pos: s.keyword.pos });
      if (h) {
        h(this, s, target);
        continue;
      }
      this.diags.warn(s.keyword.pos, `unknown keyword '${s.keyword.text}' in ${where}; ignored`);
      if (!s.block) continue;
      const rest = list.slice(i + 1);
      this.diags.warn(
        s.blockPos ?? s.keyword.pos,
        `keepalived ignores this '{': the lines below are read as ${where}'s own and the matching '}' ends ${where}` +
          (rest.length ? `, so the ${rest.length} statement(s) after it are not read in ${where}` : ''),
      );
      for (const x of rest) this.diags.warn(x.keyword.pos, `'${x.keyword.text}' is not read in ${where}: keepalived ended ${where} at the '}' of unknown '${s.keyword.text}'; ignored`);
      // Read on in the unknown block's lines, in a loop: a hostile file may nest them thousands deep.
      list = s.block;
      i = -1;
    }
  }

  requireBlock(s: Statement): Statement[] {
    if (!s.block) this.diags.error(endOf(s), `'${s.keyword.text}' needs a { } block`);
    return s.block ?? [];
  }

  noBlock(s: Statement): void {
    if (s.block) this.diags.warn(s.blockPos ?? s.keyword.pos, `'${s.keyword.text}' takes no block; block ignored`);
  }

  /** The statement's only argument; an error when it is missing. */
  arg(s: Statement, what = 'a value'): Token | undefined {
    this.noBlock(s);
    const t = s.args[0];
    if (!t) this.diags.error(endOf(s), `'${s.keyword.text}' needs ${what}`);
    else if (s.args.length > 1) this.diags.warn(s.args[1]!.pos, `extra words after '${s.keyword.text} ${t.text}' ignored`);
    return t;
  }

  str(s: Statement, what?: string): string | undefined {
    return this.arg(s, what)?.text;
  }

  int(t: Token | undefined, min: number, max: number, what: string): number | undefined {
    if (!t) return undefined;
    if (!/^[+-]?\d+$/.test(t.text)) {
      this.diags.error(t.pos, `${what}: '${t.text}' is not a whole number`);
      return undefined;
    }
    const n = Number(t.text);
    if (n < min || n > max) {
      this.diags.error(t.pos, `${what}: ${t.text} is out of range ${min}..${max}`);
      return undefined;
    }
    return n;
  }

  intArg(s: Statement, min: number, max: number): number | undefined {
    return this.int(this.arg(s, 'a number'), min, max, s.keyword.text);
  }

  /** A keepalived TIMER: seconds with an optional fraction, kept at microsecond resolution, returned in ms. */
  timer(t: Token | undefined, what: string, maxS = 2147): number | undefined {
    if (!t) return undefined;
    if (!/^\d+(\.\d+)?$/.test(t.text) && !/^\.\d+$/.test(t.text)) {
      this.diags.error(t.pos, `${what}: '${t.text}' is not a time in seconds`);
      return undefined;
    }
    const s = Number(t.text);
    if (s > maxS) {
      this.diags.error(t.pos, `${what}: ${t.text} s is out of range 0..${maxS}`);
      return undefined;
    }
    return Math.round(s * 1e6) / 1e3;
  }

  timerArg(s: Statement, maxS?: number): number | undefined {
    return this.timer(this.arg(s, 'a time in seconds'), s.keyword.text, maxS);
  }

  /** A bare flag, or the flag with an explicit BOOL (on|off|true|false|yes|no). */
  flag(s: Statement): boolean {
    this.noBlock(s);
    const t = s.args[0];
    if (!t) return true;
    const v = BOOL_WORDS[t.text.toLowerCase()];
    if (v === undefined) {
      this.diags.error(t.pos, `${s.keyword.text}: '${t.text}' is not one of on|off|true|false|yes|no`);
      return true;
    }
    return v;
  }

  ip(t: Token | undefined, what: string): string | undefined {
    if (!t) return undefined;
    if (isIP(t.text) === 0) {
      this.diags.error(t.pos, `${what}: '${t.text}' is not an IPv4 or IPv6 address`);
      return undefined;
    }
    return t.text;
  }

  /** An address where keepalived also takes `address/prefix` and drops the prefix (unicast_src_ip, unicast_peer). */
  ipMaskStripped(t: Token | undefined, what: string): string | undefined {
    if (!t || !t.text.includes('/')) return this.ip(t, what);
    if (!parsePrefix(t.text)) {
      this.diags.error(t.pos, `${what}: '${t.text}' is not an IPv4 or IPv6 address`);
      return undefined;
    }
    return t.text.slice(0, t.text.indexOf('/'));
  }

  /**
   * A keepalived whole-second timer with the keyword's own range (0..maxS).
   * The model's timers stop at 2^31 ms (24.8 days, Node's longest timer): a
   * longer one is kept at that with a note.
   */
  secondsArg(s: Statement, maxS: number): number | undefined {
    const ms = this.timer(this.arg(s, 'a time in seconds'), s.keyword.text, maxS);
    if (ms === undefined || ms <= MAX_TIMER_MS) return ms;
    this.diags.note(s.args[0]!.pos, `${s.keyword.text}: ${s.args[0]!.text} s is longer than Vigil's longest timer; ${MAX_TIMER_MS / 1000} s (24.8 days) is used`);
    return MAX_TIMER_MS;
  }

  ipArg(s: Statement): string | undefined {
    return this.ip(this.arg(s, 'an address'), s.keyword.text);
  }

  prefix(t: Token | undefined, what: string): string | undefined {
    if (!t) return undefined;
    if (!parsePrefix(t.text)) {
      this.diags.error(t.pos, `${what}: '${t.text}' is not an address or address/prefix`);
      return undefined;
    }
    return t.text;
  }

  port(t: Token | undefined, what: string): number | undefined {
    return this.int(t, 0, 65535, what);
  }

  portArg(s: Statement): number | undefined {
    return this.port(this.arg(s, 'a port'), s.keyword.text);
  }

  oneOf<T extends string>(t: Token | undefined, choices: readonly T[], what: string, caseless = false): T | undefined {
    if (!t) return undefined;
    const v = caseless ? choices.find((c) => c.toLowerCase() === t.text.toLowerCase()) : choices.find((c) => c === t.text);
    if (v === undefined) this.diags.error(t.pos, `${what}: '${t.text}' is not one of ${choices.join('|')}`);
    return v;
  }

  /** `keyword "command args" [user [group]]` as keepalived's notify and check scripts. */
  script(s: Statement): Script | undefined {
    this.noBlock(s);
    const [cmd, user, group, extra] = s.args;
    if (!cmd || cmd.text === '') {
      this.diags.error(endOf(s), `'${s.keyword.text}' needs a script`);
      return undefined;
    }
    if (extra) this.diags.warn(extra.pos, `extra words after '${s.keyword.text}' ignored (quote the script if it has arguments)`);
    const out: Script = { command: cmd.text };
    if (user) out.user = user.text;
    if (group) out.group = group.text.replace(/^:/, '');
    return out;
  }

  deprecated(s: Statement, replacement: string): void {
    this.diags.warn(s.keyword.pos, `'${s.keyword.text}' is deprecated; use '${replacement}'`);
  }
}

/** Just past the last word of a statement: where a missing value would go. */
export function endOf(s: Statement): Pos {
  const last = s.args[s.args.length - 1] ?? s.keyword;
  return { ...last.pos, col: last.pos.col + last.text.length + (last.quoted ? 2 : 0) };
}

/** Renders a statement (and its block) back into lines, for blocks Vigil carries verbatim. */
export function statementLines(s: Statement, indent = ''): string[] {
  const word = (t: Token) => (t.quoted ? `"${t.text}"` : t.text);
  const head = indent + [s.keyword, ...s.args].map(word).join(' ');
  if (!s.block) return [head];
  return [head + ' {', ...s.block.flatMap((c) => statementLines(c, indent + '    ')), indent + '}'];
}

export function wordsOf(s: Statement): string[] {
  return [s.keyword.text, ...s.args.map((a) => a.text)];
}
