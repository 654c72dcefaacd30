import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Property tests run many cases; keep them deterministic and bounded.
    testTimeout: 20_000,
  },
});
