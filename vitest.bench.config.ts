import { defineConfig } from 'vitest/config';

// `npm run bench`: measurements printed as ratios from one run; nothing here asserts on time.
export default defineConfig({
  test: {
    // Tests reach only loopback addresses (the guide's network rule); anything else fails loudly.
    setupFiles: ['src/test-support/loopback-only.ts'],
    include: ['bench/**/*.bench.ts'],
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 300_000,
  },
});
