/**
 * The control plane's Worker straight on Miniflare (the real workerd, Durable
 * Objects on SQLite), without wrangler dev's proxy Worker in front: in
 * production a shim's WebSocket goes edge → Worker → Board, which Miniflare's
 * entry Worker → our Worker → Board mirrors; wrangler dev adds one more
 * process hop (its live-reload proxy) that production has not.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import type { LocalSecrets } from '../shim/local/local-secrets.ts';

export interface MiniflareBoard {
  url: string;
  stop(): Promise<void>;
}

export async function startMiniflare(secrets: LocalSecrets): Promise<MiniflareBoard> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../workers/src/index.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    external: ['cloudflare:*'],
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'import'],
  });
  const mf = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]!.text,
    // As workers/wrangler.jsonc.
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
    durableObjects: { BOARD: { className: 'Board', useSQLite: true }, PROBER: { className: 'Prober', useSQLite: true } },
    bindings: { VIGIL_SIGNING_KEY: secrets.signingKey, VIGIL_TOKENS: secrets.records, SNAPSHOT_TTL_MS: '60000', EVENTS_MAX_AGE_MS: '604800000', EVENTS_MAX: '2000', EDGE_PRIVATE_TARGETS: 'skip' },
    host: '127.0.0.1',
    port: 0,
  });
  const url = (await mf.ready).origin;
  return { url, stop: () => mf.dispose() };
}
