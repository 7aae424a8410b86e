import type { Config } from '../../core/config/model.ts';
import type { BoardStore, ProberNames } from './board-store.ts';
import type { BoardShards } from './board-shards.ts';
import { withDeadline } from './deadline.ts';
import { locationHint, proberName, proberSpecs, type ProberSpec } from './prober-plan.ts';

const PROBER_DEADLINE_MS = 5000;

/**
 * The Board's side of its Probers: sends each its plan, and retires Probers a
 * smaller plan no longer needs. A Prober that does not answer is left to the
 * next cron minute, which sends every plan again.
 */
export class BoardProbers {
  constructor(
    private readonly env: Env,
    private readonly store: BoardStore,
    private readonly shards: BoardShards,
  ) {}

  private stub(name: string, region: string | undefined) {
    const hint = locationHint(region);
    return this.env.PROBER.get(this.env.PROBER.idFromName(name), hint ? { locationHint: hint } : undefined);
  }

  /**
   * Re-plans (latency-sized, see board-shards.ts) and sends every Prober its
   * plan. A target that moves keeps its vote freshness (it votes as the same
   * vantage point; only the shard changes): the old shard stops checking it
   * and the new one starts its checker in keepalived's initial state.
   */
  async configure(cluster: string, config: Config, view: Config, version: number): Promise<number> {
    const plans = this.shards.planAll(config, view, Date.now());
    const specs = proberSpecs(cluster, config, version, (vp) => plans.get(vp)?.shardOf);
    const names: ProberNames = specs.map((s) => ({ name: proberName(cluster, s.vantagePoint, s.shard), region: s.region }));
    const keep = new Set(names.map((n) => n.name));
    const retired = this.store.probers().filter((p) => !keep.has(p.name));
    this.store.setProbers(names);
    const calls: Promise<unknown>[] = specs.map((s) => this.send(proberName(cluster, s.vantagePoint, s.shard), s));
    for (const r of retired) {
      const [, vantagePoint = '', shard = '0'] = r.name.split('/');
      calls.push(this.send(r.name, { cluster, vantagePoint, region: r.region, shard: Number(shard), configVersion: version, jobs: [] }));
    }
    const results = await Promise.allSettled(calls);
    for (const r of results) if (r.status === 'rejected') console.warn(`board ${cluster}: a prober did not take its plan: ${(r.reason as Error).message}`);
    return specs.length;
  }

  private send(name: string, spec: ProberSpec): Promise<unknown> {
    return withDeadline(this.stub(name, spec.region).configure(spec), PROBER_DEADLINE_MS, `Prober ${name}`);
  }
}
