import type { DnsCheck } from '../config/checks.ts';
import type { CheckPorts, RunContext } from './ports.ts';
import { failResult, okResult, type CheckResult, type Target } from './result.ts';
import { withSession, type Failure } from './session.ts';

const QTYPE: Record<DnsCheck['queryType'], number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28 };

/** keepalived's query: random id, RD set, one question, class IN. */
export function buildQuery(id: number, name: string, type: DnsCheck['queryType']): Uint8Array {
  const labels = name === '.' || name === '' ? [] : name.replace(/\.$/, '').split('.');
  const enc = new TextEncoder();
  const parts: number[] = [id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
  for (const l of labels) {
    const b = enc.encode(l);
    parts.push(Math.min(b.length, 63), ...b.subarray(0, 63));
  }
  parts.push(0, QTYPE[type] >> 8, QTYPE[type] & 0xff, 0, 1);
  return Uint8Array.from(parts);
}

export type ReplyVerdict = 'ignore' | 'ok' | { rcode: number };

/** keepalived ignores replies that are short, carry another id or lack QR, and fails on RCODE != 0. */
export function judgeReply(reply: Uint8Array, id: number): ReplyVerdict {
  if (reply.length < 12) return 'ignore';
  if (((reply[0]! << 8) | reply[1]!) !== id) return 'ignore';
  if ((reply[2]! & 0x80) === 0) return 'ignore';
  const rcode = reply[3]! & 0x0f;
  return rcode === 0 ? 'ok' : { rcode };
}

/** DNS_CHECK: over UDP where the runtime can (self-hosted), else over TCP (RFC 7766 framing) as at the edge. */
export async function runDnsCheck(check: DnsCheck, target: Target, ports: CheckPorts, ctx: RunContext): Promise<CheckResult> {
  const start = ports.clock.nowMs();
  const host = check.connectIp ?? target.ip;
  const port = check.connectPort ?? target.port;
  const id = Math.floor(Math.random() * 0x10000);
  const query = buildQuery(id, check.name, check.queryType);
  const elapsed = () => ports.clock.nowMs() - start;
  if (ports.sendDatagram) {
    const r = await ports.sendDatagram({
      host,
      port,
      payload: query,
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      accept: (reply) => judgeReply(reply, id) !== 'ignore',
    });
    if (!r.ok) return failResult(r.reason, elapsed(), `${host}:${port}: ${r.message}`);
    const v = judgeReply(r.reply, id);
    return v === 'ok' ? okResult(elapsed()) : failResult('dns_error', elapsed(), `rcode ${typeof v === 'object' ? v.rcode : '?'}`);
  }
  const framed = new Uint8Array(query.length + 2);
  framed.set([query.length >> 8, query.length & 0xff]);
  framed.set(query, 2);
  const r = await withSession(ports, { host, port, timeoutMs: ctx.timeoutMs, signal: ctx.signal }, async (conn) => {
    const sent = await conn.write(framed);
    if (sent) return sent;
    let buf = new Uint8Array(0);
    for (;;) {
      if (buf.length >= 2) {
        const len = (buf[0]! << 8) | buf[1]!;
        if (buf.length >= 2 + len) {
          const v = judgeReply(buf.subarray(2, 2 + len), id);
          if (v === 'ok') return { ok: true as const, value: null };
          if (v === 'ignore') return fail('protocol_error', 'DNS reply with wrong id or without QR');
          return fail('dns_error', `rcode ${v.rcode}`);
        }
      }
      const chunk = await conn.read();
      if (chunk === null) return fail('no_data', 'closed before a full DNS reply');
      if (!(chunk instanceof Uint8Array)) return chunk;
      // A DNS message is at most 64 KiB + 2: the length prefix bounds what we hold.
      if (buf.length + chunk.length > 65_537) return fail('protocol_error', 'DNS reply larger than 64 KiB');
      const next = new Uint8Array(buf.length + chunk.length);
      next.set(buf);
      next.set(chunk, buf.length);
      buf = next;
    }
  });
  return r.ok ? okResult(elapsed()) : failResult(r.reason, elapsed(), `${host}:${port}: ${r.message}`);
}

function fail(reason: Failure['reason'], message: string): Failure {
  return { ok: false, reason, message };
}
