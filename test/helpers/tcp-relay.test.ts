import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpRelay } from './tcp-relay.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function answering(text: string): Promise<string> {
  const s = createServer((_, res) => res.end(text));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());

describe('a fixed address in front of a server that restarts elsewhere', () => {
  it('one URL throughout: the first server, nothing while down, then the second', async () => {
    const relay = new TcpRelay();
    const url = await relay.listen();
    try {
      relay.point(await answering('first'));
      expect(await get(url)).toBe('first');
      relay.point(null);
      await expect(get(url)).rejects.toThrow();
      relay.point(await answering('second'));
      expect(await get(url)).toBe('second');
      expect(relay.url).toBe(url);
    } finally {
      await relay.close();
    }
  });
});
