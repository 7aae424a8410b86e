import { VigilError } from '../errors.ts';

/**
 * Prometheus text exposition (format 0.0.4), hand-written: a few families do
 * not need a client library, and both the shim (Node) and the Board (workerd)
 * render with it. Counters end in `_total`, durations and ages are in
 * seconds with the unit in the name, a state is a state-set (one series per
 * state, 1 for the current one, as HAProxy's exporter does).
 *
 * `maxSeriesPerFamily` bounds what one scrape carries: a family past it keeps
 * its first series and the rest are counted, per scrape, in the gauge
 * `vigil_metrics_series_dropped{family}`, so a huge config cannot make a
 * scrape unbounded and the loss is visible.
 */
type Labels = Record<string, string>;
export type MetricType = 'counter' | 'gauge';
interface Series {
  help: string;
  type: MetricType;
  /** Keyed by the rendered label set (`a="1",b="2"`), which is also what a scrape prints. */
  values: Map<string, number>;
  dropped: number;
}

export const DROPPED_SERIES = 'vigil_metrics_series_dropped';

function escLabel(v: string): string {
  return /[\\\n"]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v;
}

function labelText(labels: Labels): string {
  let out = '';
  for (const k in labels) out += `${out ? ',' : ''}${k}="${escLabel(labels[k]!)}"`;
  return out;
}

function escHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export class Metrics {
  private readonly series = new Map<string, Series>();
  private readonly collectors: Array<() => void> = [];

  constructor(private readonly maxSeriesPerFamily = Infinity) {}

  define(name: string, type: MetricType, help: string): void {
    if (!this.series.has(name)) this.series.set(name, { help, type, values: new Map(), dropped: 0 });
  }

  /** Runs just before each scrape, for values read from elsewhere (ages, states). */
  collect(fn: () => void): void {
    this.collectors.push(fn);
  }

  private family(name: string): Series {
    const s = this.series.get(name);
    if (!s) throw undefinedMetric(name);
    return s;
  }

  private put(s: Series, labels: Labels, value: (before: number | undefined) => number): void {
    const k = labelText(labels);
    const before = s.values.get(k);
    if (before === undefined && s.values.size >= this.maxSeriesPerFamily) {
      s.dropped++;
      return;
    }
    s.values.set(k, value(before));
  }

  set(name: string, value: number, labels: Labels = {}): void {
    this.put(this.family(name), labels, () => value);
  }

  inc(name: string, by = 1, labels: Labels = {}): void {
    this.put(this.family(name), labels, (v) => (v ?? 0) + by);
  }

  get(name: string, labels: Labels = {}): number | undefined {
    return this.series.get(name)?.values.get(labelText(labels));
  }

  /** Forgets every series of a family (a gauge whose label values come and go with the config). */
  clear(name: string): void {
    const s = this.family(name);
    s.values.clear();
    s.dropped = 0;
  }

  render(): string {
    for (const c of this.collectors) c();
    const out: string[] = [];
    const dropped: Array<[string, number]> = [];
    for (const [name, s] of this.series) {
      out.push(`# HELP ${name} ${escHelp(s.help)}`, `# TYPE ${name} ${s.type}`);
      for (const [l, value] of s.values) out.push(`${name}${l ? `{${l}}` : ''} ${num(value)}`);
      if (s.dropped > 0) dropped.push([name, s.dropped]);
    }
    if (dropped.length > 0) {
      out.push(`# HELP ${DROPPED_SERIES} Series left out of this scrape because their family passed ${this.maxSeriesPerFamily} series`, `# TYPE ${DROPPED_SERIES} gauge`);
      for (const [family, n] of dropped) out.push(`${DROPPED_SERIES}{family="${family}"} ${n}`);
    }
    return out.join('\n') + '\n';
  }
}

/** A series used before define(): a bug in the caller, not something an operator can fix. */
function undefinedMetric(name: string): VigilError {
  return new VigilError('ERR_INTERNAL', `metric ${name} is not defined`);
}
