import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A temporary XDG_STATE_HOME for every suite: discover saves runs into the user's state dir.
    globalSetup: ['test/state-dir-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real-network suites share the machine's 2 cores with the rest: keep parallelism modest.
    maxWorkers: 2,
  },
});
