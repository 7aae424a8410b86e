import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeCheckPorts } from '../../shim/checks/node-check-ports.ts';
import { eventually, within } from '../../test/helpers/eventually.ts';
import { FakeClock } from '../../test/helpers/fake-clock.ts';
import { Check } from '../config/checks.ts';
import { runCheck } from './run-check.ts';

let server: net.Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('a check session', () => {
  it("times out on the Clock port it is given: a silent backend's HTTP_GET ends at connect_timeout by that clock, not before", async () => {
    const received: string[] = [];
    const sockets = new Set<net.Socket>();
    server = net.createServer((s) => {
      sockets.add(s);
      s.on('data', (d) => received.push(d.toString('latin1'))); // reads the request, never answers
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const clock = new FakeClock();
    const check = Check.parse({ type: 'HTTP_GET', urls: [{ path: '/' }] });
    const pending = runCheck(check, { ip: '127.0.0.1', port }, { ...nodeCheckPorts, clock }, { timeoutMs: 5000, signal: new AbortController().signal });
    let settled = false;
    void pending.then(() => (settled = true));
    await eventually('the request at the silent backend', () => received.join('').includes('\r\n\r\n'), { timeoutMs: 5000 });
    await clock.advance(4999);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await within('the check to end at its deadline', pending, 2000)).toMatchObject({ ok: false, reason: 'read_timeout', latencyMs: 5000 });
    // The deadline closed the connection.
    await eventually('the backend to see the connection closed', () => sockets.size === 0, { timeoutMs: 2000 });
  });
});
