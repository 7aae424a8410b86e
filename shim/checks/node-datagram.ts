import dgram from 'node:dgram';
import net from 'node:net';
import type { SendDatagram } from '../../core/ports/dial.ts';

/**
 * One request/reply over a connected UDP socket. Connecting matters: Linux
 * then reports an ICMP port-unreachable as ECONNREFUSED, which UDP_CHECK needs
 * (keepalived's udp_icmp_check_state). Replies are capped at 64 KiB by UDP itself.
 */
export const nodeSendDatagram: SendDatagram = (o) =>
  new Promise((resolve) => {
    if (o.signal.aborted) return resolve({ ok: false, reason: 'aborted', message: 'aborted' });
    const sock = dgram.createSocket(net.isIPv6(o.host) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (r: Awaited<ReturnType<SendDatagram>>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      sock.close();
      resolve(r);
    };
    const onAbort = () => finish({ ok: false, reason: 'aborted', message: 'aborted' });
    const timer = setTimeout(() => finish({ ok: false, reason: 'read_timeout', message: `no reply within ${o.timeoutMs} ms` }), o.timeoutMs);
    o.signal.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, reason: err.code === 'ECONNREFUSED' ? 'connect_refused' : 'connect_error', message: err.message }),
    );
    sock.on('message', (msg) => {
      if (!o.accept || o.accept(msg)) finish({ ok: true, reply: new Uint8Array(msg) });
    });
    sock.connect(o.port, o.host, () => {
      sock.send(o.payload, (err) => {
        if (err) finish({ ok: false, reason: 'connect_error', message: err.message });
      });
    });
  });
