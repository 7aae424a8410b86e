import type { SmtpCheck, TcpCheck } from '../config/checks.ts';
import type { CheckPorts, RunContext } from './ports.ts';
import { failResult, okResult, type CheckResult, type Target } from './result.ts';
import { withSession, type Conn, type Failure } from './session.ts';

/** TCP_CHECK: up when the three-way handshake completes within connect_timeout. */
export async function runTcpCheck(check: TcpCheck, target: Target, ports: CheckPorts, ctx: RunContext): Promise<CheckResult> {
  const start = ports.clock.nowMs();
  const host = check.connectIp ?? target.ip;
  const port = check.connectPort ?? target.port;
  // No exchange follows the handshake, so no session and no second deadline: the hottest path of a prober.
  if (ports.tcpProbe) {
    const r = await ports.tcpProbe({ host, port, timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    const latencyMs = ports.clock.nowMs() - start;
    return r.ok ? okResult(latencyMs) : failResult(r.reason, latencyMs, `${host}:${port}: ${r.message}`);
  }
  const r = await ports.dial({ host, port, timeoutMs: ctx.timeoutMs, signal: ctx.signal });
  const latencyMs = ports.clock.nowMs() - start;
  if (!r.ok) return failResult(r.reason, latencyMs, `${host}:${port}: ${r.message}`);
  r.stream.close();
  return okResult(latencyMs);
}

/** SMTP replies are short; a server sending more than this on one reply is not an SMTP server. */
const MAX_SMTP_REPLY_BYTES = 4096;

/**
 * Reads one SMTP reply and returns its code. Multi-line replies (`220-…`, then
 * `220 …`) are followed to their last line; keepalived 2.2.7 reads only the
 * first line and so fails a multi-line banner, which Vigil accepts. Also the
 * reader for smtp_alert's dialogue (core/mail/smtp-dialogue.ts).
 */
export async function readReply(conn: Conn, pending: { buf: string }): Promise<number | Failure> {
  for (;;) {
    const eol = pending.buf.indexOf('\n');
    if (eol >= 0) {
      const line = pending.buf.slice(0, eol).replace(/\r$/, '');
      pending.buf = pending.buf.slice(eol + 1);
      const m = /^(\d{3})([ -]|$)/.exec(line);
      if (!m) return { ok: false, reason: 'protocol_error', message: `not an SMTP reply: ${JSON.stringify(line.slice(0, 60))}` };
      if (m[2] === '-') continue;
      return Number(m[1]);
    }
    if (pending.buf.length > MAX_SMTP_REPLY_BYTES)
      return { ok: false, reason: 'protocol_error', message: 'SMTP reply line too long' };
    const chunk = await conn.read();
    if (chunk === null) return { ok: false, reason: 'no_data', message: 'connection closed mid-reply' };
    if (!(chunk instanceof Uint8Array)) return chunk;
    pending.buf += String.fromCharCode(...chunk.subarray(0, MAX_SMTP_REPLY_BYTES + 1));
  }
}

async function smtpDialogue(conn: Conn, heloName: string): Promise<{ ok: true; value: null } | Failure> {
  const pending = { buf: '' };
  const banner = await readReply(conn, pending);
  if (typeof banner !== 'number') return banner;
  if (banner !== 220) return { ok: false, reason: 'protocol_error', message: `banner code ${banner}, want 220` };
  const sent = await conn.write(new TextEncoder().encode(`HELO ${heloName}\r\n`));
  if (sent) return sent;
  const helo = await readReply(conn, pending);
  if (typeof helo !== 'number') return helo;
  if (helo !== 250) return { ok: false, reason: 'protocol_error', message: `HELO answered ${helo}, want 250` };
  // QUIT is a courtesy: keepalived declares success whatever the server answers to it.
  const quit = await conn.write(new TextEncoder().encode('QUIT\r\n'));
  if (!quit) await readReply(conn, pending);
  return { ok: true, value: null };
}

/** SMTP_CHECK: 220 banner, HELO helo_name, 250, QUIT, on the target and every extra `host {}`; all must pass. */
export async function runSmtpCheck(check: SmtpCheck, target: Target, ports: CheckPorts, ctx: RunContext): Promise<CheckResult> {
  const start = ports.clock.nowMs();
  const hosts = [{ host: check.connectIp ?? target.ip, port: check.connectPort ?? target.port }];
  for (const h of check.hosts) hosts.push({ host: h.connectIp ?? target.ip, port: h.connectPort ?? target.port });
  for (const h of hosts) {
    const r = await withSession(ports, { ...h, timeoutMs: ctx.timeoutMs, signal: ctx.signal }, (conn) =>
      smtpDialogue(conn, check.heloName),
    );
    if (!r.ok) return failResult(r.reason, ports.clock.nowMs() - start, `${h.host}:${h.port}: ${r.message}`);
  }
  return okResult(ports.clock.nowMs() - start);
}
