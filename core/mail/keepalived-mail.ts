/**
 * keepalived 2.2.7's smtp_alert mail, as its source has it (keepalived/core/smtp.c,
 * include/smtp.h, vrrp/vrrp_notify.c, check/check_*.c, check/ipwrapper.c): who gets
 * mail for what, and the subject and body texts. The dialogue and the DATA block
 * are in smtp-dialogue.ts. Pure: the hostname and the user come from the caller.
 */
import type { GlobalDefs } from '../config/global.ts';
import type { Check } from '../config/checks.ts';
import type { Config } from '../config/model.ts';
import type { RealServer, VirtualServer } from '../config/lvs.ts';
import type { Passthrough } from '../config/primitives.ts';
import { formatRs, formatVs } from '../ipvs/notify-format.ts';

/** snprintf into MAX_HEADERS_LENGTH (256) and strncpy into MAX_BODY_LENGTH (512), each with its NUL. */
const MAX_SUBJECT_CHARS = 255;
const MAX_BODY_CHARS = 511;
/** DEFAULT_SMTP_CONNECTION_TIMEOUT: 30 s. */
export const DEFAULT_SMTP_TIMEOUT_MS = 30_000;

export interface MailSettings {
  /** notification_email, in order: one RCPT TO each, all on the To: line. */
  to: string[];
  from: string;
  host: string;
  port: number;
  heloName: string;
  /** smtp_connect_timeout: the connect and every reply wait for this long. */
  timeoutMs: number;
  routerId: string;
}

export interface Mail {
  subject: string;
  body: string;
}

/** What keepalived fills in from the host when the file does not say (global_data.c init_global_data). */
export interface HostFacts {
  /** The host's canonical name (keepalived: getaddrinfo(uname().nodename) with AI_CANONNAME). */
  localName: string;
  /** getpwuid(getuid())->pw_name, for the default notification_email_from. */
  userName: string;
}

/**
 * keepalived sends mail only with at least one notification_email and an
 * smtp_server; otherwise nothing (smtp_alert returns at once). The defaults are
 * keepalived's: port 25, a 30 s timeout, router_id, HELO name and the sender
 * taken from the host's name.
 */
export function mailSettings(g: GlobalDefs, host: HostFacts): MailSettings | null {
  if (g.notificationEmail.length === 0 || !g.smtpServer) return null;
  return {
    to: g.notificationEmail,
    from: g.notificationEmailFrom ?? `${host.userName}@${host.localName}`,
    host: g.smtpServer.host,
    port: g.smtpServer.port ?? 25,
    heloName: g.smtpHeloName ?? host.localName,
    // keepalived turns 0 into 1 s (global_parser.c smtpto_handler).
    timeoutMs: g.smtpConnectTimeoutMs === undefined ? DEFAULT_SMTP_TIMEOUT_MS : Math.max(1000, g.smtpConnectTimeoutMs),
    routerId: g.routerId ?? host.localName,
  };
}

/** `smtp_alert_vrrp` and `smtp_alert_checker` ride in passthrough: a bare word is true, else true/false, yes/no, on/off. */
function passthroughFlag(p: Passthrough, keyword: string): boolean | undefined {
  const e = p.findLast((x) => x.keyword === keyword);
  if (!e) return undefined;
  const v = e.args[0]?.toLowerCase();
  if (v === undefined) return true;
  if (['true', 'yes', 'on'].includes(v)) return true;
  if (['false', 'no', 'off'].includes(v)) return false;
  return undefined;
}

/** Which blocks mail, keepalived's defaults applied (vrrp.c, check_data.c): the block's own word, the global family word, smtp_alert, then the default. */
export interface AlertPolicy {
  instance(name: string): boolean;
  group(name: string): boolean;
  realServer(vs: VirtualServer, rs: RealServer): boolean;
  virtualServer(vs: VirtualServer): boolean;
  /** no_email_faults: no mail for entering FAULT. */
  faults: boolean;
}

export function alertPolicy(config: Config): AlertPolicy {
  const g = config.globalDefs;
  const vrrp = passthroughFlag(g.passthrough, 'smtp_alert_vrrp') ?? g.smtpAlert;
  const checker = passthroughFlag(g.passthrough, 'smtp_alert_checker') ?? g.smtpAlert;
  return {
    instance: (name) => config.vrrpInstances.find((i) => i.name === name)?.smtpAlert ?? vrrp ?? false,
    group: (name) => config.vrrpSyncGroups.find((s) => s.name === name)?.smtpAlert ?? vrrp ?? false,
    // A real server mails by default, unlike everything else (check_data.c says so itself).
    realServer: (_vs, rs) => rs.smtpAlert ?? checker ?? true,
    virtualServer: (vs) => vs.smtpAlert ?? checker ?? false,
    faults: !g.passthrough.some((e) => e.keyword === 'no_email_faults'),
  };
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}

function mail(subject: string, body: string): Mail {
  return { subject: clip(subject, MAX_SUBJECT_CHARS), body: clip(body, MAX_BODY_CHARS) };
}

export type AlertState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

const INSTANCE_TEXT: Record<AlertState, [string, string]> = {
  MASTER: ['Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <='],
  BACKUP: ['Entering BACKUP state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  FAULT: ['Entering FAULT state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  STOP: ['Stopping', '=> VRRP Instance stopping <='],
};

const GROUP_TEXT: Record<AlertState, [string, string]> = {
  MASTER: ['Entering MASTER state', '=> All VRRP group instances are now in MASTER state <='],
  BACKUP: ['Entering BACKUP state', '=> All VRRP group instances are now in BACKUP state <='],
  FAULT: ['Entering FAULT state', '=> All VRRP group instances are now in FAULT state <='],
  STOP: ['Stopping', '=> All VRRP group instances are now stopping <='],
};

export function instanceMail(routerId: string, name: string, state: AlertState): Mail {
  const [what, body] = INSTANCE_TEXT[state];
  return mail(`[${routerId}] VRRP Instance ${name} - ${what}`, body);
}

export function groupMail(routerId: string, name: string, state: AlertState): Mail {
  const [what, body] = GROUP_TEXT[state];
  return mail(`[${routerId}] VRRP Group ${name} - ${what}`, body);
}

/**
 * The body each checker writes when it turns a real server up or down. The
 * shim decides per real server, not per checker: the body is that of the
 * server's first checker (keepalived sends one mail per checker that changes).
 */
function checkerBody(check: Check | undefined, up: boolean): string {
  const ok = up ? 'succeed' : 'failed';
  switch (check?.type) {
    case 'TCP_CHECK':
      return `=> TCP CHECK ${ok} on service <=`;
    case 'UDP_CHECK':
      return `=> UDP CHECK ${ok} on service <=`;
    case 'PING_CHECK':
      return `=> ICMP CHECK ${ok} on service <=`;
    case 'DNS_CHECK':
      return `=> DNS_CHECK: ${ok} on service <=`;
    case 'MISC_CHECK':
      return `=> MISC CHECK ${ok} on service <=`;
    case 'HTTP_GET':
    case 'SSL_GET':
      return up ? '=> CHECK succeed on service <=' : '=> CHECK failed on service : HTTP request failed <=';
    case 'BFD_CHECK':
      return `=> BFD CHECK ${check.name} ${up ? 'succeeded' : 'failed'} on service <=`;
    default:
      return `=> CHECK ${ok} on service <=`;
  }
}

export function realServerMail(routerId: string, vs: VirtualServer, rs: RealServer, up: boolean): Mail {
  return mail(`[${routerId}] Realserver ${formatRs(vs, rs)} of virtual server ${formatVs(vs)} - ${up ? 'UP' : 'DOWN'}`, checkerBody(rs.checks[0], up));
}

/**
 * keepalived's first quorum evaluation at start (update_quorum_state with init):
 * mail when the quorum starts up, or starts down with a sorry server to take
 * over; nothing when it starts down without one.
 */
export function startupQuorumMail(routerId: string, vs: VirtualServer, up: boolean, aliveWeight: number): Mail | null {
  if (!up && !vs.sorryServer) return null;
  const threshold = vs.quorum + vs.hysteresis;
  return mail(`[${routerId}] Virtualserver ${formatVs(vs)} - ${up ? 'UP' : 'DOWN'}`, `=> ${up ? 'Starting with quorum up' : 'Starting with quorum down'} ${vs.quorum}+${vs.hysteresis}=${threshold} <= ${aliveWeight} <=`);
}

/** ipwrapper.c do_vs_notifies: the threshold is the one the old state was held to (quorum ∓ hysteresis). */
export function quorumMail(routerId: string, vs: VirtualServer, up: boolean, aliveWeight: number): Mail {
  const threshold = vs.quorum + (up ? 1 : -1) * vs.hysteresis;
  return mail(`[${routerId}] Virtualserver ${formatVs(vs)} - ${up ? 'UP' : 'DOWN'}`, `=> ${up ? 'Gained quorum' : 'Lost quorum'} ${vs.quorum}+${vs.hysteresis}=${threshold} <= ${aliveWeight} <=`);
}
