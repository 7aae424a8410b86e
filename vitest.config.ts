import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { localSecrets } from './devstack/local-secrets.ts';
import { TEST_CLUSTERS, TEST_DIRECTORS, TEST_VANTAGE_POINTS } from './workers/test/clusters.ts';

// Fresh for every run, never committed: the control plane's signing key and tokens, scoped per cluster
// as a deployment's are (workers/test/clusters.ts lists the clusters the control-plane tests use).
const secrets = localSecrets({ clusters: TEST_CLUSTERS, vantagePoints: TEST_VANTAGE_POINTS, directors: TEST_DIRECTORS });

export default defineConfig({
  test: {
    // Network-namespace and real-peer tests share host state (namespaces,
    // loopback ports): run files one at a time, tests inside stay ordered.
    fileParallelism: false,
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'node',
          include: ['core/**/*.test.ts', 'shim/**/*.test.ts', 'test/**/*.test.ts'],
          // Marks the run so that any process a test leaves running is found, killed and fails the run.
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Tests that need the Workers runtime run in workerd itself (DESIGN: real parts in tests).
        plugins: [cloudflareTest({ miniflare: { compatibilityDate: '2026-04-01', compatibilityFlags: ['nodejs_compat'] } })],
        test: {
          name: 'workerd',
          include: ['workers/ports/**/*.test.ts'],
          globalSetup: ['workers/test/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The edge control plane (Board, Prober) in workerd, with Durable Objects and SQLite storage from wrangler.jsonc.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './workers/wrangler.jsonc' },
            miniflare: {
              bindings: { VIGIL_SIGNING_KEY: secrets.signingKey, VIGIL_TOKENS: secrets.records, EDGE_PRIVATE_TARGETS: 'probe', SNAPSHOT_TTL_MS: '30000' },
            },
          }),
        ],
        test: {
          name: 'control-plane',
          include: ['workers/src/**/*.test.ts'],
          globalSetup: ['test/control-plane/workerd-global-setup.ts'],
          provide: { tokens: secrets.tokens },
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
