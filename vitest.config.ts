import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real-network suites share the machine's 2 cores with the rest: keep parallelism modest.
    maxWorkers: 2,
  },
});
