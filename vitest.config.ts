import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'shim/**/*.test.ts', 'test/**/*.test.ts'],
    // Network-namespace and real-peer tests share host state (namespaces,
    // loopback ports): run files one at a time, tests inside stay ordered.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
