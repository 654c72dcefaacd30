import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests reach only loopback addresses (the guide's network rule); anything else fails loudly.
    setupFiles: ['src/test-support/loopback-only.ts'],
    include: ['e2e/**/*.e2e.test.ts'],
    // Real control planes: one suite at a time, generous timeouts.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
