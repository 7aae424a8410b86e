import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** As workers/wrangler.jsonc, so a Worker run on Miniflare behaves as under wrangler. */
export const WORKERD_COMPAT = { compatibilityDate: '2026-04-01', compatibilityFlags: ['nodejs_compat'] } as const;

/** Bundles a Worker entry for workerd (ESM, `cloudflare:*` left to the runtime), as wrangler does. */
export async function bundleWorker(entry: URL): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    external: ['cloudflare:*'],
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'import'],
  });
  return out.outputFiles[0]!.text;
}
