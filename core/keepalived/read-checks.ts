import type { z } from 'zod';
import { compileRegex } from '../check/http-regex.ts';
import { DnsQueryType, type Check, type HttpUrl, type StatusRange } from '../config/checks.ts';
import type { ConnectionOptions } from '../config/checks.ts';
import type { Token } from './lexer.ts';
import { endOf, type HandlerTable, type Reader } from './reader.ts';
import type { Statement } from './tree.ts';

type CheckIn = Record<string, unknown> & { type: Check['type'] };
type UrlIn = z.input<typeof HttpUrl>;
type ConnIn = z.input<typeof ConnectionOptions>;

/** Where a url's regex and its options were written, for errors found once the whole url block is read. */
const regexWordsOf = new WeakMap<UrlIn, { regex?: Token; options?: Token[] }>();
const regexWords = (u: UrlIn) => regexWordsOf.get(u) ?? regexWordsOf.set(u, {}).get(u)!;

/**
 * The regex as the checker will run it (RE2 with PCRE2's meaning): an option
 * or construct it cannot honour is an error at the word, or at the column of
 * the construct inside the pattern, never a silently different match.
 */
function checkRegex(r: Reader, u: UrlIn): void {
  if (u.regex === undefined) return;
  const words = regexWords(u);
  let bad = false;
  for (const o of words.options ?? []) {
    const c = compileRegex('', [o.text]);
    if (!c.ok) {
      r.diags.error(o.pos, c.message);
      bad = true;
    }
  }
  const c = bad ? null : compileRegex(u.regex, u.regexOptions ?? []);
  if (c && !c.ok) {
    const t = words.regex!;
    r.diags.error({ ...t.pos, col: t.pos.col + (t.quoted ? 1 : 0) + Math.max(0, c.index) }, `regex: ${c.message}`);
    bad = true;
  }
  // Reported here at its word; the model's own check would only repeat it at the virtual server.
  if (bad) delete u.regex;
}

const connection: HandlerTable<ConnIn> = {
  connect_ip: (r, s, t) => void (t.connectIp = r.ipArg(s)),
  connect_port: (r, s, t) => void (t.connectPort = r.portArg(s)),
  bindto: (r, s, t) => void (t.bindTo = r.ipArg(s)),
  bind_port: (r, s, t) => void (t.bindPort = r.portArg(s)),
  bind_if: (r, s, t) => void (t.bindIf = r.str(s, 'an interface name')),
  fwmark: (r, s, t) => void (t.fwmark = r.intArg(s, 1, 0xffffffff)),
};

const timing: HandlerTable<CheckIn> = {
  connect_timeout: (r, s, t) => void (t.connectTimeoutMs = r.timerArg(s)),
  retry: (r, s, t) => void (t.retry = r.intArg(s, 0, 2 ** 31)),
  delay_before_retry: (r, s, t) => void (t.delayBeforeRetryMs = r.timerArg(s)),
  warmup: (r, s, t) => void (t.warmupMs = r.timerArg(s)),
  delay_loop: (r, s, t) => void (t.delayLoopMs = r.timerArg(s)),
  alpha: (r, s, t) => void (t.alpha = r.flag(s)),
  log_all_failures: (r, s, t) => void (t.logAllFailures = r.flag(s)),
};

const network: HandlerTable<CheckIn> = { ...(connection as HandlerTable<CheckIn>), ...timing };

/** `status_code 200-299 400-499 503`: keepalived's list of codes and ranges, 100..599. */
function statusCodes(r: Reader, s: Statement): StatusRange[] {
  const out: StatusRange[] = [];
  if (s.args.length === 0) r.diags.error(endOf(s), "'status_code' needs at least one code or range");
  for (const t of s.args) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(t.text);
    if (!m) {
      r.diags.error(t.pos, `status_code: '${t.text}' is not a code or a range like 200-299`);
      continue;
    }
    const from = Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : from;
    if (from < 100 || from > 599 || to < 100 || to > 599) {
      r.diags.error(t.pos, `status_code: ${t.text} is outside 100..599`);
      continue;
    }
    if (to < from) {
      r.diags.error(t.pos, `status_code: range ${t.text} runs backwards`);
      continue;
    }
    out.push({ from, to });
  }
  return out;
}

function digest(r: Reader, t: Token | undefined): string | undefined {
  if (!t) return undefined;
  const v = t.text.toLowerCase();
  if (/^[0-9a-f]{32}$/.test(v) || /^sha256:[0-9a-f]{64}$/.test(v)) return v;
  r.diags.error(t.pos, `digest: '${t.text}' is not 32 hex digits (MD5, as genhash prints) or sha256:<64 hex digits>`);
  return undefined;
}

const url: HandlerTable<UrlIn> = {
  path: (r, s, t) => void (t.path = r.str(s, 'a path') ?? ''),
  digest: (r, s, t) => void (t.digest = digest(r, r.arg(s, 'a digest'))),
  status_code: (r, s, t) => void (t.statusCodes = [...(t.statusCodes ?? []), ...statusCodes(r, s)]),
  virtualhost: (r, s, t) => void (t.virtualhost = r.str(s, 'a host name')),
  regex: (r, s, t) => {
    const a = r.arg(s, 'a regular expression');
    if (a === undefined) return;
    t.regex = a.text;
    regexWords(t).regex = a;
  },
  regex_no_match: (r, s, t) => void (t.regexNoMatch = r.flag(s)),
  regex_options: (r, s, t) => {
    t.regexOptions = s.args.map((a) => a.text);
    regexWords(t).options = s.args;
  },
  regex_min_offset: (r, s, t) => void (t.regexMinOffset = r.intArg(s, 0, 2 ** 31)),
  regex_max_offset: (r, s, t) => void (t.regexMaxOffset = r.intArg(s, 0, 2 ** 31)),
  regex_stack: (r, s, t) => {
    const a = r.int(s.args[0], 0, 2 ** 31, 'regex_stack start');
    const b = r.int(s.args[1], 0, 2 ** 31, 'regex_stack max');
    if (a !== undefined && b !== undefined) t.regexStack = [a, b];
    else if (s.args.length < 2) r.diags.error(endOf(s), "'regex_stack' needs START and MAX");
  },
  tls_compliant: (r, s, t) => void (t.tlsCompliant = r.flag(s)),
};

const http: HandlerTable<CheckIn> = {
  ...network,
  nb_get_retry: (r, s, t) => {
    r.deprecated(s, 'retry');
    t.retry = r.intArg(s, 0, 2 ** 31);
  },
  virtualhost: (r, s, t) => void (t.virtualhost = r.str(s, 'a host name')),
  http_protocol: (r, s, t) => {
    const v = r.oneOf(r.arg(s), ['1.0', '1.0C', '1.1'] as const, 'http_protocol', true);
    if (v) t.httpProtocol = v;
  },
  fast_recovery: (r, s, t) => void (t.fastRecovery = r.flag(s)),
  tls_compliant: (r, s, t) => void (t.tlsCompliant = r.flag(s)),
  url: (r, s, t) => {
    const u: UrlIn = { path: '' };
    r.block(r.requireBlock(s), url, u, 'url');
    checkRegex(r, u);
    if (!u.path) r.diags.error(s.keyword.pos, "url block has no 'path'");
    else (t.urls as UrlIn[]).push(u);
  },
};

const ssl: HandlerTable<CheckIn> = {
  ...http,
  enable_sni: (r, s, t) => void (t.enableSni = r.flag(s)),
  sni_name: (r, s, t) => void (t.sniName = r.str(s, 'a server name')),
  vigil_tls_verify: (r, s, t) => void (t.tlsVerify = r.flag(s)),
};

const smtp: HandlerTable<CheckIn> = {
  ...network,
  helo_name: (r, s, t) => void (t.heloName = r.str(s, 'a name')),
  host: (r, s, t) => {
    const h: ConnIn = {};
    r.block(r.requireBlock(s), connection, h, 'SMTP_CHECK host');
    (t.hosts as ConnIn[]).push(h);
  },
};

const dns: HandlerTable<CheckIn> = {
  ...network,
  type: (r, s, t) => void (t.queryType = r.oneOf(r.arg(s), DnsQueryType.options, 'DNS_CHECK type', true)),
  name: (r, s, t) => void (t.name = r.str(s, 'a domain name')),
};

const misc: HandlerTable<CheckIn> = {
  ...timing,
  misc_path: (r, s, t) => void (t.miscPath = r.script(s)),
  misc_timeout: (r, s, t) => void (t.miscTimeoutMs = r.timerArg(s)),
  misc_dynamic: (r, s, t) => void (t.miscDynamic = r.flag(s)),
  user: (r, s, t) => {
    const p = t.miscPath as { user?: string; group?: string } | undefined;
    const user = s.args[0]?.text;
    if (!user) r.diags.error(endOf(s), "'user' needs a user name");
    else if (!p) r.diags.error(s.keyword.pos, "'user' must follow 'misc_path'");
    else {
      p.user = user;
      if (s.args[1]) p.group = s.args[1].text.replace(/^:/, '');
    }
  },
};

function hex(r: Reader, tokens: Token[], what: string, wildcards: boolean): string | undefined {
  // keepalived reads free-form hex: "Ab12f 3 456" is AB 12 0F 03 45 06; groups of odd length pad the last nibble.
  let out = '';
  for (const t of tokens) {
    const ok = wildcards ? /^[0-9a-fA-FxX]+$/ : /^[0-9a-fA-F]+$/;
    if (!ok.test(t.text)) {
      r.diags.error(t.pos, `${what}: '${t.text}' is not hex`);
      return undefined;
    }
    const g = t.text;
    for (let i = 0; i < g.length; i += 2) out += i + 1 < g.length ? g.slice(i, i + 2) : '0' + g[i];
  }
  return out.toLowerCase();
}

const udp: HandlerTable<CheckIn> = {
  ...network,
  payload: (r, s, t) => void (t.payload = hex(r, s.args, 'payload', false)),
  require_reply: (r, s, t) => void (t.requireReply = s.args.length ? (hex(r, s.args, 'require_reply', true) ?? true) : true),
  min_reply_length: (r, s, t) => void (t.minReplyLength = r.intArg(s, 0, 65535)),
  max_reply_length: (r, s, t) => void (t.maxReplyLength = r.intArg(s, 0, 65535)),
};

const file: HandlerTable<CheckIn> = {
  track_file: (r, s, t) => void (t.trackFile = r.str(s, 'a vrrp_track_file name')),
  dynamic: (r, s, t) => void (t.dynamic = r.flag(s)),
  weight: (r, s, t) => {
    t.weight = r.int(s.args[0], -2147483647, 2147483647, 'weight');
    if (s.args[1]) t.reverse = r.oneOf(s.args[1], ['reverse'] as const, 'weight option') === 'reverse';
  },
};

const bfd: HandlerTable<CheckIn> = {
  name: (r, s, t) => void (t.name = r.str(s, 'a bfd_instance name')),
  alpha: (r, s, t) => void (t.alpha = r.flag(s)),
};

const TABLES: Record<Check['type'], HandlerTable<CheckIn>> = {
  HTTP_GET: http,
  SSL_GET: ssl,
  TCP_CHECK: network,
  SMTP_CHECK: smtp,
  DNS_CHECK: dns,
  MISC_CHECK: misc,
  PING_CHECK: network,
  UDP_CHECK: udp,
  FILE_CHECK: file,
  BFD_CHECK: bfd,
};

export function isCheckKeyword(k: string): k is Check['type'] {
  return Object.prototype.hasOwnProperty.call(TABLES, k);
}

/** Reads one checker block; returns undefined (with an error reported) when it cannot stand. */
export function readCheck(r: Reader, s: Statement): CheckIn | undefined {
  const type = s.keyword.text as Check['type'];
  const t: CheckIn = { type };
  if (type === 'HTTP_GET' || type === 'SSL_GET') t.urls = [];
  if (type === 'SMTP_CHECK') t.hosts = [];
  r.block(r.requireBlock(s), TABLES[type], t, type);
  if ((type === 'HTTP_GET' || type === 'SSL_GET') && (t.urls as unknown[]).length === 0) {
    r.diags.error(s.keyword.pos, `${type} has no url block; keepalived would drop this checker`);
    return undefined;
  }
  if (type === 'MISC_CHECK' && !t.miscPath) {
    r.diags.error(s.keyword.pos, 'MISC_CHECK has no misc_path');
    return undefined;
  }
  if (type === 'FILE_CHECK' && !t.trackFile) {
    r.diags.error(s.keyword.pos, 'FILE_CHECK has no track_file');
    return undefined;
  }
  if (type === 'BFD_CHECK' && !t.name) {
    r.diags.error(s.keyword.pos, 'BFD_CHECK has no name');
    return undefined;
  }
  if (type === 'SSL_GET' && !t.tlsVerify) {
    r.diags.warn(s.keyword.pos, 'SSL_GET does not verify the certificate (as keepalived); add vigil_tls_verify to check chain and name');
  }
  return t;
}
