/**
 * keepalived 2.2.7's side of the SMTP dialogue (core/smtp.c, include/smtp.h):
 * after the greeting (220), HELO (250), MAIL FROM (250), one RCPT TO per
 * address (250 each), DATA (354), the message (250), QUIT (221). Any other
 * code ends the exchange with QUIT. Pure: the socket is the caller's.
 */
import { readReply } from '../check/tcp-smtp.ts';
import type { CheckPorts } from '../check/ports.ts';
import { withSession } from '../check/session.ts';
import type { Mail, MailSettings } from './keepalived-mail.ts';

export interface Step {
  /** What is sent before waiting (nothing for the greeting). */
  send: string | null;
  expect: number;
  /** keepalived's name for the step, in its log line for a wrong code. */
  name: string;
}

/** Date: as strftime("%a, %d %b %Y %H:%M:%S %z") in the host's local time. */
export function rfc822Date(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = `${off < 0 ? '-' : '+'}${two(Math.floor(Math.abs(off) / 60))}${two(Math.abs(off) % 60)}`;
  return `${days[d.getDay()]}, ${two(d.getDate())} ${months[d.getMonth()]} ${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${zone}`;
}

/**
 * The DATA block byte for byte: keepalived writes no Message-ID and does no
 * dot-stuffing (its bodies are one line of its own text).
 */
export function messageText(s: MailSettings, m: Mail, date: Date): string {
  return `Date: ${rfc822Date(date)}\r\nFrom: ${s.from}\r\nSubject: ${m.subject}\r\nX-Mailer: Keepalived\r\nTo: ${s.to.join(', ')}\r\n\r\n${m.body}\r\n\r\n.\r\n`;
}

export function dialogue(s: MailSettings, m: Mail, date: Date): Step[] {
  return [
    { send: null, expect: 220, name: '(E)SMTP' },
    { send: `HELO ${s.heloName}\r\n`, expect: 250, name: 'HELO' },
    { send: `MAIL FROM:<${s.from}>\r\n`, expect: 250, name: 'MAIL' },
    ...s.to.map((a) => ({ send: `RCPT TO:<${a}>\r\n`, expect: 250, name: 'RCPT' })),
    { send: 'DATA\r\n', expect: 354, name: 'DATA' },
    { send: messageText(s, m, date), expect: 250, name: 'BODY' },
    { send: 'QUIT\r\n', expect: 221, name: 'QUIT' },
  ];
}

/** How a send ended: delivered, or the step that failed and why. */
export type SendResult = { ok: true } | { ok: false; stage: string; reason: string; message: string };

/**
 * One mail, one connection, as keepalived sends it. The connect waits up to
 * smtp_connect_timeout; keepalived then waits that long for each reply, here
 * the whole exchange is bounded by that many timeouts, so a server trickling
 * bytes cannot hold the queue longer than keepalived's worst case.
 * A wrong code ends the exchange with QUIT, as keepalived does.
 */
export async function sendMail(ports: Pick<CheckPorts, 'dial' | 'clock'>, s: MailSettings, m: Mail, date: Date, signal: AbortSignal): Promise<SendResult> {
  const steps = dialogue(s, m, date);
  let failed: SendResult | null = null;
  let stage = 'connect';
  const r = await withSession(ports, { host: s.host, port: s.port, timeoutMs: s.timeoutMs, exchangeTimeoutMs: s.timeoutMs * steps.length, signal }, async (conn) => {
    const pending = { buf: '' };
    const enc = new TextEncoder();
    for (const step of steps) {
      stage = step.name;
      if (step.send !== null) {
        const w = await conn.write(enc.encode(step.send));
        if (w) return w;
      }
      const code = await readReply(conn, pending);
      if (typeof code !== 'number') return code;
      if (code !== step.expect) {
        failed = { ok: false, stage: step.name, reason: 'protocol_error', message: `${step.name} answered ${code}, want ${step.expect}` };
        if (step.name !== 'QUIT' && !(await conn.write(enc.encode('QUIT\r\n')))) await readReply(conn, pending);
        return { ok: true, value: null };
      }
    }
    return { ok: true, value: null };
  });
  if (!r.ok) return { ok: false, stage, reason: r.reason, message: r.message };
  return failed ?? { ok: true };
}
