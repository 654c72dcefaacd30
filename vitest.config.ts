import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests reach only loopback addresses (the guide's network rule); anything else fails loudly.
    setupFiles: ['src/test-support/loopback-only.ts'],
    include: ['src/**/*.test.ts'],
    // Property tests run many cases; keep them deterministic and bounded.
    testTimeout: 20_000,
  },
});
