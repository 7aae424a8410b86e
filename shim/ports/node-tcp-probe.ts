import { createRequire } from 'node:module';
import { constants } from 'node:os';
import type { DialFailure } from '../../core/ports/dial.ts';
import type { TcpProbe, TcpProbeOptions, TcpProbeResult } from '../../core/check/ports.ts';
import { nodeDial } from './node-dial.ts';

/**
 * TCP_CHECK's connect on Node through the tcp_probe addon (native/vrrp-socket/
 * src/tcp_probe.c): a non-blocking connect on an epoll set, completions handed
 * over in batches, the socket closed in C. A net.Socket (a stream, its state,
 * its listeners) was most of a TCP_CHECK's cost; the check only needs to know
 * whether the handshake completed. Deadlines are one timer per distinct
 * connect_timeout (a FIFO of pending connects, which expire in the order they
 * started), not one per connect. Addresses that are not IP literals, and hosts
 * where the addon did not build, take node:net (nodeDial) as before.
 */
interface Addon {
  open(onBatch: (pairs: Int32Array) => void): unknown;
  connect(probe: unknown, host: string, port: number): number;
  cancel(probe: unknown, fd: number): void;
  close(probe: unknown): void;
}

const EINVAL = constants.errno.EINVAL;
const ECONNREFUSED = constants.errno.ECONNREFUSED;
const ETIMEDOUT = constants.errno.ETIMEDOUT;
const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([k, v]) => [v, k]));
const ONCE = { once: true } as const;
const OK: TcpProbeResult = { ok: true };

function failure(errno: number, host: string, port: number): TcpProbeResult {
  const reason: DialFailure = errno === ECONNREFUSED ? 'connect_refused' : errno === ETIMEDOUT ? 'connect_timeout' : 'connect_error';
  // The same words node:net uses, so logs read alike on both paths.
  return { ok: false, reason, message: `connect ${ERRNO_NAMES.get(errno) ?? `errno ${errno}`} ${host}:${port}` };
}

class Pending {
  settled = false;
  resolve!: (r: TcpProbeResult) => void;
  constructor(
    readonly owner: NativeTcpProbe,
    readonly fd: number,
    readonly o: TcpProbeOptions,
    readonly deadline: number,
    readonly q: DeadlineQueue,
  ) {}
  /** The signal's abort listener (EventTarget calls handleEvent on listener objects): no closure per connect. */
  handleEvent(): void {
    this.owner.abandon(this, { ok: false, reason: 'aborted', message: 'aborted while connecting' });
  }
}

/** Pending connects of one connect_timeout, oldest first, and the one timer that expires them. */
class DeadlineQueue {
  items: Pending[] = [];
  head = 0;
  timer: ReturnType<typeof setTimeout> | null = null;
}

export class NativeTcpProbe {
  private readonly handle: unknown;
  private readonly byFd = new Map<number, Pending>();
  private readonly queues = new Map<number, DeadlineQueue>();

  constructor(private readonly addon: Addon) {
    this.handle = addon.open((pairs) => this.onBatch(pairs));
  }

  get pending(): number {
    return this.byFd.size;
  }

  /** A promise of the outcome, or null when this path cannot take the address (not an IP literal). */
  probe(o: TcpProbeOptions): Promise<TcpProbeResult> | null {
    if (o.signal.aborted) return Promise.resolve({ ok: false, reason: 'aborted', message: 'aborted before connect' });
    const fd = this.addon.connect(this.handle, o.host, o.port);
    if (fd === -EINVAL) return null;
    if (fd === 0) return Promise.resolve(OK);
    if (fd < 0) return Promise.resolve(failure(-fd, o.host, o.port));
    let q = this.queues.get(o.timeoutMs);
    if (!q) this.queues.set(o.timeoutMs, (q = new DeadlineQueue()));
    const p = new Pending(this, fd, o, performance.now() + o.timeoutMs, q);
    this.byFd.set(fd, p);
    o.signal.addEventListener('abort', p, ONCE);
    q.items.push(p);
    if (!q.timer) this.arm(q, o.timeoutMs);
    return new Promise((resolve) => (p.resolve = resolve));
  }

  /** A deadline or an abort: the fd is closed in C, the check told why. */
  abandon(p: Pending, r: TcpProbeResult): void {
    if (p.settled) return;
    this.byFd.delete(p.fd);
    this.addon.cancel(this.handle, p.fd);
    this.settle(p, r);
  }

  private onBatch(pairs: Int32Array): void {
    for (let i = 0; i < pairs.length; i += 2) {
      const p = this.byFd.get(pairs[i]!);
      if (!p) continue;
      this.byFd.delete(p.fd);
      const err = pairs[i + 1]!;
      this.settle(p, err === 0 ? OK : failure(err, p.o.host, p.o.port));
    }
  }

  private settle(p: Pending, r: TcpProbeResult): void {
    p.settled = true;
    p.o.signal.removeEventListener('abort', p);
    p.resolve(r);
    // Connects on one timeout finish roughly in the order they started: drop the settled head at once,
    // so the queue stays short and its timer stops when nothing is pending (it keeps the process alive).
    const q = p.q;
    if (q.items[q.head] !== p) return;
    while (q.head < q.items.length && q.items[q.head]!.settled) q.items[q.head++] = undefined as unknown as Pending;
    if (q.head === q.items.length) {
      q.items = [];
      q.head = 0;
      if (q.timer) clearTimeout(q.timer);
      q.timer = null;
    }
  }

  private arm(q: DeadlineQueue, timeoutMs: number): void {
    const first = q.items[q.head];
    const wait = first ? Math.max(0, first.deadline - performance.now()) : timeoutMs;
    q.timer = setTimeout(() => this.expire(q, timeoutMs), wait + 1);
  }

  private expire(q: DeadlineQueue, timeoutMs: number): void {
    q.timer = null;
    const now = performance.now();
    while (q.head < q.items.length) {
      const p = q.items[q.head]!;
      if (p.settled) {
        q.items[q.head++] = undefined as unknown as Pending;
        continue;
      }
      if (p.deadline > now) break;
      // Settling the head moves the head past it (see settle).
      this.abandon(p, { ok: false, reason: 'connect_timeout', message: `no connection within ${timeoutMs} ms` });
    }
    if (q.head === q.items.length) {
      q.items = [];
      q.head = 0;
      return;
    }
    if (q.head > 4096) {
      q.items = q.items.slice(q.head);
      q.head = 0;
    }
    this.arm(q, timeoutMs);
  }

  close(): void {
    this.addon.close(this.handle);
  }
}

let shared: NativeTcpProbe | null | undefined;

/** The process's native probe, or null where the addon is missing or VIGIL_NATIVE_TCP=0 asks for node:net. */
export function nativeTcpProbe(): NativeTcpProbe | null {
  if (shared !== undefined) return shared;
  shared = null;
  if (process.env.VIGIL_NATIVE_TCP === '0' || process.platform !== 'linux') return null;
  try {
    shared = new NativeTcpProbe(createRequire(import.meta.url)('vrrp-socket/tcp-probe.cjs') as Addon);
  } catch {
    // Not built (no compiler at npm ci): the portable path is complete on its own.
  }
  return shared;
}

/** The TcpProbe port for Node: native where it can, else connect and close through nodeDial. */
export function nodeTcpProbe(native: () => NativeTcpProbe | null): TcpProbe {
  // Resolved at the first TCP_CHECK, so processes that never run one (genhash, the shim) never open the addon.
  return (o) => native()?.probe(o) ?? viaDial(o);
}

async function viaDial(o: TcpProbeOptions): Promise<TcpProbeResult> {
  const r = await nodeDial({ host: o.host, port: o.port, timeoutMs: o.timeoutMs, signal: o.signal });
  if (!r.ok) return r;
  r.stream.close();
  return OK;
}
