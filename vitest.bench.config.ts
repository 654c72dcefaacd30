import { defineConfig } from 'vitest/config';

// `npm run bench`: measurements printed as ratios from one run; nothing here asserts on time.
export default defineConfig({
  test: {
    include: ['bench/**/*.bench.ts'],
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 300_000,
  },
});
