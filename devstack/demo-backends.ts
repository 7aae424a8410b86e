import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP backend on loopback that can be stopped and started again on
 * the same port. It binds its own port (0 the first time) and reports it.
 * Starts and stops run one after another, so a stop that arrives while a
 * flap's start is under way waits for it and then closes the server, instead
 * of finding none and leaving the new one listening.
 */
export class DemoBackend {
  private server: Server | null = null;
  private last: Promise<void> = Promise.resolve();
  port = 0;

  constructor(readonly name: string) {}

  start(): Promise<void> {
    return this.then(() => this.listen());
  }

  stop(): Promise<void> {
    return this.then(() => this.close());
  }

  get running(): boolean {
    return this.server !== null;
  }

  private then(step: () => Promise<void>): Promise<void> {
    const p = this.last.then(step);
    this.last = p.catch(() => undefined);
    return p;
  }

  private async listen(): Promise<void> {
    if (this.server) return;
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

  private async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
