import uPlot from 'uplot';
import type { DashboardView } from '../../core/vote/dashboard-view.ts';
import { byId, clock, fill, h, stateBadge } from './dom.ts';

/** More lines than this on one chart are unreadable; the list below the chart still names every change. */
const MAX_SERIES = 16;
const MAX_CHANGES_LISTED = 30;
/** The chart shows at least this much history, more when older changes are kept (up to the view's six hours). */
const MIN_WINDOW_MS = 2 * 60_000;
const ROW = 1.5;
const COLOURS = ['#0b57d0', '#a1121b', '#0b6b2e', '#6b4e00', '#6a1b9a', '#00695c', '#bf360c', '#37474f'];

/** Each real server's state (1 up, 0 down) at `xs` (seconds), stepped from the events that changed it. */
export function stateSeries(v: DashboardView, keys: readonly string[], nowMs: number): { xs: number[]; ys: number[][] } {
  const changes = v.events.filter((e) => e.kind === 'real_server');
  const startMs = Math.min(nowMs - MIN_WINDOW_MS, ...changes.map((e) => e.atMs));
  const current = new Map(v.votes.realServers.map((r) => [r.key, r.effective === 'up']));
  const times = [...new Set([startMs, ...changes.map((e) => e.atMs), nowMs])].sort((a, b) => a - b);
  const ys = keys.map((key, i) => {
    const mine = changes.filter((e) => e.key === key);
    let up = mine.length ? mine[0]!.from === 'up' : (current.get(key) ?? true);
    let next = 0;
    return times.map((t) => {
      while (next < mine.length && mine[next]!.atMs <= t) up = mine[next++]!.to === 'up';
      return i * ROW + (up ? 1 : 0);
    });
  });
  return { xs: times.map((t) => t / 1000), ys };
}

export class Timeline {
  private plot: uPlot | null = null;
  private keys: string[] = [];

  render(v: DashboardView, nowMs: number): void {
    const keys = v.config.virtualServers.flatMap((vs) => vs.realServers.map((r) => r.key)).slice(0, MAX_SERIES);
    const { xs, ys } = stateSeries(v, keys, nowMs);
    const data: uPlot.AlignedData = [xs, ...ys];
    const el = byId('timeline');
    const width = Math.max(280, el.clientWidth || 600);
    if (this.plot && keys.join('\n') === this.keys.join('\n')) {
      this.plot.setData(data);
      if (Math.abs(this.plot.width - width) > 4) this.plot.setSize({ width, height: this.plot.height });
    } else {
      this.plot?.destroy();
      this.keys = keys;
      const short = (k: string) => k.split('|')[1] ?? k;
      this.plot = new uPlot(
        {
          width,
          height: Math.max(120, 40 + keys.length * 34),
          legend: { show: false },
          cursor: { drag: { x: true, y: false } },
          scales: { y: { range: [-0.25, Math.max(1, keys.length) * ROW] } },
          axes: [{}, { size: 120, splits: () => keys.map((_, i) => i * ROW + 0.5), values: (_u, splits) => splits.map((s) => short(keys[Math.round((s - 0.5) / ROW)] ?? '')) }],
          series: [{}, ...keys.map((k, i) => ({ label: k, stroke: COLOURS[i % COLOURS.length]!, width: 2, paths: uPlot.paths.stepped!({ align: 1 }) }))],
        },
        data,
        el,
      );
    }
    renderChanges(v);
  }
}

/** The chart in words: the newest changes first, each with what every vantage point said. */
function renderChanges(v: DashboardView): void {
  const recent = v.events.filter((e) => e.kind !== 'config' || e.detail).slice(-MAX_CHANGES_LISTED).reverse();
  fill(
    byId('changes'),
    ...(recent.length === 0
      ? [h('li', {}, 'No verdict changes in the last six hours.')]
      : recent.map((e) =>
          h(
            'li',
            { 'data-event': e.kind, 'data-key': e.key },
            `${clock(e.atMs)} ${e.kind === 'config' ? 'config' : e.key}: ${e.from} → `,
            e.kind === 'real_server' ? stateBadge(e.to) : e.to,
            e.detail ? ` (${e.detail})` : '',
            e.votes ? h('span', { class: 'detail' }, Object.entries(e.votes).map(([vp, s]) => `${vp}: ${s.up ? 'up' : 'down'} ${s.reason}${s.latencyMs === undefined ? '' : ` ${Math.round(s.latencyMs)} ms`}${s.fresh ? '' : ' (stale)'}`).join('; ')) : null,
          ),
        )),
  );
}
