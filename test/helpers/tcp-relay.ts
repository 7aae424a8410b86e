/**
 * A fixed loopback address in front of a server that restarts on whatever
 * port it is given each time (wrangler dev, say): the test binds port 0 here
 * itself, so no port is picked, closed and handed on to be taken by someone
 * else in between, and clients keep one URL across the restart. With no
 * upstream (the server is down) a connection is accepted and reset at once,
 * and pointing elsewhere cuts the open ones, so a client sees the server go.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export class TcpRelay {
  private server: Server | null = null;
  private upstream: { host: string; port: number } | null = null;
  private readonly open = new Set<Socket>();

  /** Listens on 127.0.0.1, port 0; resolves with `http://127.0.0.1:PORT`. */
  async listen(): Promise<string> {
    const server = createServer((down) => {
      const to = this.upstream;
      if (!to) return void down.resetAndDestroy();
      const up = connect(to.port, to.host);
      const pair = [down, up];
      for (const s of pair) this.open.add(s);
      const end = () => {
        for (const s of pair) {
          this.open.delete(s);
          s.destroy();
        }
      };
      for (const s of pair) s.on('error', end).on('close', end);
      down.pipe(up);
      up.pipe(down);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    this.server = server;
    return this.url;
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) throw new Error('relay not listening');
    return `http://127.0.0.1:${a.port}`;
  }

  /** Sends new connections to `url`'s host and port (null: nowhere); open ones are cut either way. */
  point(url: string | null): void {
    const u = url ? new URL(url) : null;
    this.upstream = u ? { host: u.hostname, port: Number(u.port) } : null;
    for (const s of this.open) s.destroy();
    this.open.clear();
  }

  async close(): Promise<void> {
    this.point(null);
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
