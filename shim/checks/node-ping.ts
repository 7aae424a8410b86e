import net from 'node:net';
import { runProcess } from './node-process.ts';

/**
 * ICMP echo through iputils' ping (Debian package iputils-ping, in
 * infra/install-test-deps.sh). Node has no ICMP socket of its own; ping uses
 * an unprivileged ICMP datagram socket where net.ipv4.ping_group_range allows,
 * else its file capability, so this works as root and as the vigil user alike.
 * Arguments are a fixed list; the address is validated first, so nothing the
 * config says can become an option.
 */
export async function nodePing(o: { host: string; timeoutMs: number; signal: AbortSignal }) {
  const family = net.isIP(o.host);
  if (family === 0) return { ok: false as const, reason: 'ping_failed' as const, message: `not an address: ${o.host}` };
  const waitS = Math.max(1, Math.ceil(o.timeoutMs / 1000));
  const r = await runProcess({
    argv: ['ping', family === 6 ? '-6' : '-4', '-n', '-q', '-c', '1', '-W', String(waitS), o.host],
    timeoutMs: o.timeoutMs + 1000,
    signal: o.signal,
  });
  if (o.signal.aborted) return { ok: false as const, reason: 'aborted' as const, message: 'aborted' };
  if (r.kind === 'exited' && r.code === 0) return { ok: true as const };
  const why = r.kind === 'exited' ? `no echo reply (ping exit ${r.code})` : r.kind === 'timeout' ? 'ping timed out' : r.message;
  return { ok: false as const, reason: 'ping_failed' as const, message: why };
}
