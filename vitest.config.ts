import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

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
          include: ['workers/**/*.test.ts'],
          globalSetup: ['workers/test/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
