import { createServer, type Server } from 'node:http';

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
    if (!s) throw new Error(`metric ${name} is not defined`);
    s.values.set(JSON.stringify(labels), { labels, value });
  }

  inc(name: string, by = 1, labels: Labels = {}): void {
    const s = this.series.get(name);
    if (!s) throw new Error(`metric ${name} is not defined`);
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

/** `host:port` (IPv6 as `[::1]:9100`); GET /metrics only. */
export function serveMetrics(listen: string, metrics: Metrics): Promise<Server> {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(listen);
  if (!m) return Promise.reject(new Error(`--metrics-listen: expected host:port, got ${listen}`));
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(metrics.render());
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(m[2]), m[1] || '127.0.0.1', () => resolve(server));
  });
}
