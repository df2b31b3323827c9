import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // One live Redis Cluster for the run (the cluster variants of the state and integration tests).
    globalSetup: ['test/helpers/cluster-global-setup.ts'],
  },
});
