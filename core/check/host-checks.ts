import type { MiscCheck, PingCheck, UdpCheck } from '../config/checks.ts';
import type { CheckPorts, RunContext } from './ports.ts';
import { failResult, okResult, type CheckResult, type Target } from './result.ts';
import { splitCommandLine } from './script-args.ts';

/**
 * Checks that need the host: datagrams, ICMP, processes. Their logic lives
 * here, runtime-free; the capabilities come through optional ports that only
 * self-hosted (Node) probers supply. Without the port the result is `unsupported`.
 */

function hexBytes(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  const out = new Uint8Array(Math.floor(clean.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** require_reply hex with `x` nibbles as wildcards; compares the shorter of the two, as keepalived does. */
export function replyMatches(reply: Uint8Array, pattern: string, minLen: number, maxLen: number): boolean {
  if (reply.length < minLen || reply.length > maxLen) return false;
  const p = pattern.replace(/\s+/g, '');
  const n = Math.min(reply.length, Math.floor(p.length / 2));
  for (let i = 0; i < n; i++) {
    for (const [nib, shift] of [[p[i * 2]!, 4], [p[i * 2 + 1]!, 0]] as const) {
      if (nib === 'x' || nib === 'X') continue;
      if (((reply[i]! >> shift) & 0xf) !== parseInt(nib, 16)) return false;
    }
  }
  return true;
}

/**
 * UDP_CHECK as keepalived: send the payload; with no require_reply, silence
 * until the timeout is success and only an ICMP port-unreachable fails it.
 */
export async function runUdpCheck(check: UdpCheck, target: Target, ports: CheckPorts, ctx: RunContext): Promise<CheckResult> {
  if (!ports.sendDatagram) return failResult('unsupported', 0, 'UDP needs a self-hosted prober');
  const start = ports.clock.nowMs();
  const host = check.connectIp ?? target.ip;
  const port = check.connectPort ?? target.port;
  const r = await ports.sendDatagram({ host, port, payload: hexBytes(check.payload ?? ''), timeoutMs: ctx.timeoutMs, signal: ctx.signal });
  const elapsed = ports.clock.nowMs() - start;
  if (!r.ok) {
    if (r.reason === 'read_timeout' && check.requireReply === false) return okResult(elapsed, 'no reply, no ICMP error');
    return failResult(r.reason, elapsed, `${host}:${port}: ${r.message}`);
  }
  if (typeof check.requireReply === 'string' && !replyMatches(r.reply, check.requireReply, check.minReplyLength, check.maxReplyLength))
    return failResult('reply_mismatch', elapsed, `reply of ${r.reply.length} bytes does not match require_reply`);
  return okResult(elapsed);
}

export async function runPingCheck(check: PingCheck, target: Target, ports: CheckPorts, ctx: RunContext): Promise<CheckResult> {
  if (!ports.ping) return failResult('unsupported', 0, 'PING needs a self-hosted prober');
  const start = ports.clock.nowMs();
  const host = check.connectIp ?? target.ip;
  const r = await ports.ping({ host, timeoutMs: ctx.timeoutMs, signal: ctx.signal });
  const elapsed = ports.clock.nowMs() - start;
  return r.ok ? okResult(elapsed) : failResult(r.reason, elapsed, `${host}: ${r.message}`);
}

/**
 * MISC_CHECK: exit 0 is up; with misc_dynamic, exits 2–255 are up too and set
 * the weight to code − 2 (keepalived's rule); anything else is down. The
 * timeout is misc_timeout, else delay_loop (keepalived), passed in ctx.
 */
export async function runMiscCheck(check: MiscCheck, ports: CheckPorts, ctx: RunContext): Promise<CheckResult> {
  if (!ports.runScript) return failResult('unsupported', 0, 'MISC_CHECK needs a self-hosted prober');
  const split = splitCommandLine(check.miscPath.command);
  if (!split.ok) return failResult('script_failed', 0, `misc_path: ${split.message}`);
  const start = ports.clock.nowMs();
  const timeoutMs = check.miscTimeoutMs ?? ctx.timeoutMs;
  const r = await ports.runScript({ argv: split.argv, timeoutMs, signal: ctx.signal, user: check.miscPath.user, group: check.miscPath.group });
  const elapsed = ports.clock.nowMs() - start;
  if (r.kind === 'timeout') return failResult('script_timeout', elapsed, `killed after ${timeoutMs} ms`);
  if (r.kind === 'refused') return failResult('script_refused', elapsed, r.message);
  if (r.kind === 'failed') return failResult('script_failed', elapsed, r.message);
  if (r.code === 0) return okResult(elapsed, 'exit 0');
  if (check.miscDynamic && r.code >= 2 && r.code <= 255) return okResult(elapsed, `exit ${r.code}`, { weight: r.code - 2 });
  return failResult('script_failed', elapsed, `exit ${r.code}`);
}
