import { createServer, type Server } from 'node:http';
import { VigilError } from '../../core/errors.ts';

/**
 * Prometheus text exposition, hand-written: a handful of series does not need
 * a client library, and the daemon's idle footprint stays small.
 */
type Labels = Record<string, string>;
interface Series {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export class Metrics {
  private readonly series = new Map<string, Series>();
  private readonly collectors: Array<() => void> = [];

  define(name: string, type: 'counter' | 'gauge', help: string): void {
    if (!this.series.has(name)) this.series.set(name, { help, type, values: new Map() });
  }

  /** Runs just before each scrape, for values read from elsewhere (ages, states). */
  collect(fn: () => void): void {
    this.collectors.push(fn);
  }

  set(name: string, value: number, labels: Labels = {}): void {
    const s = this.series.get(name);
    if (!s) throw undefinedMetric(name);
    s.values.set(JSON.stringify(labels), { labels, value });
  }

  inc(name: string, by = 1, labels: Labels = {}): void {
    const s = this.series.get(name);
    if (!s) throw undefinedMetric(name);
    const k = JSON.stringify(labels);
    s.values.set(k, { labels, value: (s.values.get(k)?.value ?? 0) + by });
  }

  get(name: string, labels: Labels = {}): number | undefined {
    return this.series.get(name)?.values.get(JSON.stringify(labels))?.value;
  }

  render(): string {
    for (const c of this.collectors) c();
    const out: string[] = [];
    for (const [name, s] of this.series) {
      out.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
      for (const { labels, value } of s.values.values()) {
        const l = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',');
        out.push(`${name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 'NaN'}`);
      }
    }
    return out.join('\n') + '\n';
  }
}

/** A series used before define(): a bug in the caller, not something an operator can fix. */
function undefinedMetric(name: string): VigilError {
  return new VigilError('ERR_INTERNAL', `metric ${name} is not defined`);
}

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
