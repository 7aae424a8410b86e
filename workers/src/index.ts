import { app } from './app.ts';
import { registeredClusters } from './cluster-registry.ts';
import { withDeadline } from './deadline.ts';

export { Board } from './board.ts';
export { Prober } from './prober.ts';
export { ProbeRunner } from './probe-runner.ts';
export { LeaseKeeper } from './lease-keeper.ts';
export { ClusterRegistry } from './cluster-registry.ts';

const REARM_DEADLINE_MS = 20_000;

export default {
  fetch: app.fetch,
  /** Every minute: each registered cluster's Board re-sends its Prober plans, which re-arms any lost alarm. */
  async scheduled(_controller, env, ctx) {
    const clusters = await registeredClusters(env);
    const work = clusters.map((c) => withDeadline(env.BOARD.get(env.BOARD.idFromName(c)).rearm(), REARM_DEADLINE_MS, `Board ${c}`));
    ctx.waitUntil(Promise.allSettled(work));
  },
} satisfies ExportedHandler<Env>;
