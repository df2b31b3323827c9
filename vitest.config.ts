import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * One test file per CPU, and at least two. Vitest's default leaves one CPU idle, which on the
 * 2-CPU CI machine runs the files one at a time; most integration files spend their time waiting
 * on child processes, sockets and Redis, so two at once halved `npm test` there (8.4 → 4.7 min).
 * Files do not share state: each store takes a fresh Redis key prefix and each server a free port.
 */
const workers = Math.max(2, availableParallelism());

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    maxWorkers: workers,
    minWorkers: workers,
    // One live Redis Cluster for the run (the cluster variants of the state and integration tests).
    globalSetup: ['test/helpers/cluster-global-setup.ts'],
  },
});
