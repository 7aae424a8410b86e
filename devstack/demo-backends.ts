import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A small HTTP backend on loopback that can be stopped and started again on the same port. */
export class DemoBackend {
  private server: Server | null = null;
  port = 0;

  constructor(readonly name: string) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'text/plain', connection: 'close' });
      res.end(`${this.name} ok\n`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  get running(): boolean {
    return this.server !== null;
  }
}
