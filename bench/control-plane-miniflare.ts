/**
 * The control plane's Worker straight on Miniflare (the real workerd, Durable
 * Objects on SQLite), without wrangler dev's proxy Worker in front: in
 * production a shim's WebSocket goes edge → Worker → Board, which Miniflare's
 * entry Worker → our Worker → Board mirrors; wrangler dev adds one more
 * process hop (its live-reload proxy) that production has not.
 */
import { kCurrentWorker, Miniflare } from 'miniflare';
import { bundleWorker, WORKERD_COMPAT } from './workerd-bundle.ts';
import type { LocalSecrets } from '../devstack/local-secrets.ts';

export interface MiniflareBoard {
  url: string;
  mf: Miniflare;
  stop(): Promise<void>;
}

/** `privateTargets`: as EDGE_PRIVATE_TARGETS ('probe' lets the edge Probers check this machine's loopback). */
export async function startMiniflare(secrets: LocalSecrets, privateTargets: 'skip' | 'probe' = 'skip'): Promise<MiniflareBoard> {
  const mf = new Miniflare({
    modules: true,
    script: await bundleWorker(new URL('../workers/src/index.ts', import.meta.url)),
    ...WORKERD_COMPAT,
    // Every class wrangler.jsonc binds: a Board registers its cluster with the ClusterRegistry.
    durableObjects: { BOARD: { className: 'Board', useSQLite: true }, PROBER: { className: 'Prober', useSQLite: true }, LEASE_KEEPER: { className: 'LeaseKeeper', useSQLite: true }, CLUSTER_REGISTRY: { className: 'ClusterRegistry', useSQLite: true } },
    serviceBindings: { PROBE_RUNNER: { name: kCurrentWorker, entrypoint: 'ProbeRunner' } },
    bindings: { VIGIL_SIGNING_KEY: secrets.signingKey, VIGIL_TOKENS: secrets.records, SNAPSHOT_TTL_MS: '60000', EVENTS_MAX_AGE_MS: '604800000', EVENTS_MAX: '2000', EDGE_PRIVATE_TARGETS: privateTargets },
    host: '127.0.0.1',
    port: 0,
  });
  const url = (await mf.ready).origin;
  return { url, mf, stop: () => mf.dispose() };
}
