/**
 * Vitest global setup: one live 3-master Redis Cluster on loopback for the whole run, shared by
 * every test file that runs on a cluster (`inject('redisCluster')`, see redis-test.ts). Set
 * REDIS_CLUSTER_NODES (`host:port,…`) to use a cluster of your own instead.
 */
import type { TestProject } from 'vitest/node';
import { startRedisCluster } from './redis-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the cluster nodes the tests share. */
    redisCluster: string[];
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.REDIS_CLUSTER_NODES;
  if (external) {
    project.provide('redisCluster', external.split(',').map((node) => node.trim()).filter(Boolean));
    return undefined;
  }
  const cluster = await startRedisCluster({ masters: 3 });
  project.provide('redisCluster', [...cluster.addresses]);
  return () => cluster.stop();
}
