import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpCheck } from '../../core/config/checks.ts';
import { runCheck } from '../../core/check/run-check.ts';
import { CLOSED_PORT } from '../../test/helpers/closed-port.ts';
import { skipTitle } from '../../test/helpers/skip-reason.ts';
import { NativeTcpProbe, nativeTcpProbe } from './node-tcp-probe.ts';
import { nodeNetPorts, nodeTcpPorts } from './node-ports.ts';

const never = new AbortController().signal;

/** An addon stand-in whose connects never finish: the deadline and abort paths, without a network that drops SYNs. */
function stuckAddon() {
  const cancelled: number[] = [];
  let next = 100;
  return {
    cancelled,
    addon: { open: () => ({}), connect: () => next++, cancel: (_p: unknown, fd: number) => void cancelled.push(fd), close: () => {} },
  };
}

describe('TCP_CHECK through the native probe', () => {
  let srv: net.Server;
  let port: number;
  const refusedPort = CLOSED_PORT;
  beforeAll(async () => {
    srv = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => srv.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => r()));
    port = (srv.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise((r) => srv.close(r)));

  const native = nativeTcpProbe();
  const noAddon = native ? null : 'the native addon is not built here (npm ci builds it)';
  const it_ = (title: string, fn: () => Promise<void>) => it.skipIf(!!noAddon)(skipTitle(title, noAddon), fn);

  it_('up and refused, as node:net reports them, for IPv4 and IPv6 literals', async () => {
    expect(await native!.probe({ host: '127.0.0.1', port, timeoutMs: 2000, signal: never })).toEqual({ ok: true });
    const refused = await native!.probe({ host: '127.0.0.1', port: refusedPort, timeoutMs: 2000, signal: never });
    expect(refused).toEqual({ ok: false, reason: 'connect_refused', message: `connect ECONNREFUSED 127.0.0.1:${refusedPort}` });
    const v6 = await native!.probe({ host: '::1', port: refusedPort, timeoutMs: 2000, signal: never });
    expect(v6).toMatchObject({ ok: false, reason: expect.stringMatching(/^connect_(refused|error)$/) });
    expect(native!.pending).toBe(0);
  });

  it_('names are not its business: null, and the port falls back to node:net', async () => {
    expect(native!.probe({ host: 'localhost', port, timeoutMs: 2000, signal: never })).toBeNull();
    const r = await runCheck(TcpCheck.parse({ type: 'TCP_CHECK' }), { ip: 'localhost', port }, nodeTcpPorts, { timeoutMs: 2000, signal: never });
    expect(r.ok).toBe(true);
  });

  it_('agrees with node:net on every outcome through runCheck, over a burst of 2,000', async () => {
    const check = TcpCheck.parse({ type: 'TCP_CHECK' });
    for (const ports of [nodeTcpPorts, nodeNetPorts]) {
      const rs = await Promise.all(
        Array.from({ length: 2000 }, (_, i) => {
          const ac = new AbortController();
          return runCheck(check, { ip: '127.0.0.1', port: i % 2 ? port : refusedPort }, ports, { timeoutMs: 5000, signal: ac.signal });
        }),
      );
      expect(rs.filter((r) => r.ok).length).toBe(1000);
      expect(new Set(rs.filter((r) => !r.ok).map((r) => r.reason))).toEqual(new Set(['connect_refused']));
    }
    expect(native!.pending).toBe(0);
  });

  it('a connect past its deadline is cancelled (its fd closed) and reported as connect_timeout; one timer expires many', async () => {
    const { addon, cancelled } = stuckAddon();
    const p = new NativeTcpProbe(addon);
    const t0 = performance.now();
    const rs = await Promise.all(Array.from({ length: 50 }, () => p.probe({ host: '192.0.2.1', port: 80, timeoutMs: 150, signal: never })!));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    expect(rs.every((r) => !r.ok && r.reason === 'connect_timeout')).toBe(true);
    expect(cancelled).toHaveLength(50);
    expect(p.pending).toBe(0);
  });

  it('an abort ends the connect at once with reason aborted; an aborted signal never connects', async () => {
    const { addon, cancelled } = stuckAddon();
    const p = new NativeTcpProbe(addon);
    const ac = new AbortController();
    const pending = p.probe({ host: '192.0.2.1', port: 80, timeoutMs: 60_000, signal: ac.signal })!;
    ac.abort();
    expect(await pending).toEqual({ ok: false, reason: 'aborted', message: 'aborted while connecting' });
    expect(cancelled).toEqual([100]);
    expect(await p.probe({ host: '192.0.2.1', port: 80, timeoutMs: 1000, signal: ac.signal })).toMatchObject({ reason: 'aborted' });
    expect(p.pending).toBe(0);
  });
});
