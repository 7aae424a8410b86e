import { createServer, type Server } from 'node:http';
import { VigilError } from '../../core/errors.ts';
import type { Metrics } from '../../core/metrics/exposition.ts';

export { Metrics } from '../../core/metrics/exposition.ts';

/** `host:port` (IPv6 as `[::1]:9100`); GET /metrics only. */
export function serveMetrics(listen: string, metrics: Metrics): Promise<Server> {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(listen);
  if (!m) return Promise.reject(new VigilError('ERR_USAGE', `--metrics-listen: expected host:port, got ${listen}`, { path: '--metrics-listen' }));
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(metrics.render());
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    // An address in use or not ours: the host refuses, with Node's own words.
    server.once('error', (err) => reject(new VigilError('ERR_CONFIG_IO', err.message, { path: '--metrics-listen', cause: err })));
    server.listen(Number(m[2]), m[1] || '127.0.0.1', () => resolve(server));
  });
}
