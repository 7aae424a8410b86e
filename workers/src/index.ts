import { app } from './app.ts';
import { REGISTRY } from './board.ts';
import { withDeadline } from './deadline.ts';

export { Board } from './board.ts';
export { Prober } from './prober.ts';
export { ProbeRunner } from './probe-runner.ts';
export { LeaseKeeper } from './lease-keeper.ts';

const REARM_DEADLINE_MS = 20_000;

export default {
  fetch: app.fetch,
  /** Every minute: each cluster's Board re-sends its Prober plans, which re-arms any lost alarm. */
  async scheduled(_controller, env, ctx) {
    const registry = env.BOARD.get(env.BOARD.idFromName(REGISTRY));
    const clusters = await withDeadline(registry.listClusters(), REARM_DEADLINE_MS, 'registry');
    const work = clusters.map((c) => withDeadline(env.BOARD.get(env.BOARD.idFromName(c)).rearm(), REARM_DEADLINE_MS, `Board ${c}`));
    ctx.waitUntil(Promise.allSettled(work));
  },
} satisfies ExportedHandler<Env>;
