/**
 * Real Redis for tests: the machine's on 127.0.0.1:6379 (REDIS_URL overrides) and the live
 * Redis Cluster of the run (test/helpers/cluster-global-setup.ts), a fresh key prefix per store
 * so runs never see each other's data, and cleanup of every prefix used.
 */
import { Cluster } from 'ioredis';
import { inject } from 'vitest';
import type { RedisStateConfig } from '../../src/config/types.js';
import { parseHostPort } from '../../src/state/redis/redis-client.js';
import { createRunKeyspace, deleteMatching, deleteOnRedis, REDIS_URL } from './redis-keyspace.js';

export { REDIS_URL } from './redis-keyspace.js';

const RUN = createRunKeyspace('dutygate-test');

/** A prefix no other store (in this run or another) uses. */
export function freshPrefix(label = 's'): string {
  return RUN.freshPrefix(label);
}

/** `host:port` of the run's cluster nodes. */
export function clusterNodes(): string[] {
  return inject('redisCluster');
}

/** A Redis state config on the test Redis with a fresh prefix. */
export function redisTestConfig(extra: Partial<RedisStateConfig> = {}): RedisStateConfig {
  return { driver: 'redis', url: REDIS_URL, prefix: freshPrefix(), timeoutMs: 1_000, ledgerTtlMs: 86_400_000, ...extra };
}

/** A Redis state config on the run's cluster with a fresh prefix. */
export function clusterTestConfig(extra: Partial<RedisStateConfig> = {}): RedisStateConfig {
  return { driver: 'redis', cluster: clusterNodes(), prefix: freshPrefix(), timeoutMs: 1_000, ledgerTtlMs: 86_400_000, ...extra };
}

/** A shared-state deployment the integration tests run against: one Redis, or the cluster. */
export interface RedisBackend {
  readonly name: 'single Redis' | 'Redis Cluster';
  /** The config's `state:` line for `prefix` (plus extra flow-mapping entries such as `timeout: 2s`). */
  stateYaml(prefix: string, extra?: string): string;
}

/** Both backends, for `describe.each(REDIS_BACKENDS)`. */
export const REDIS_BACKENDS: readonly RedisBackend[] = [
  { name: 'single Redis', stateYaml: (prefix, extra) => `state: { driver: redis, url: "${REDIS_URL}", prefix: "${prefix}"${extra ? `, ${extra}` : ''} }` },
  {
    name: 'Redis Cluster',
    stateYaml: (prefix, extra) => `state: { driver: redis, cluster: [${clusterNodes().map((node) => `"${node}"`).join(', ')}], prefix: "${prefix}"${extra ? `, ${extra}` : ''} }`,
  },
];

/** Deletes every key this test run created (all prefixes start with the run's id), on the single Redis and the cluster. */
export async function deleteTestKeys(pattern = RUN.pattern): Promise<number> {
  let deleted = await deleteOnRedis(pattern);
  const cluster = new Cluster(clusterNodes().map(parseHostPort), { lazyConnect: true, redisOptions: { maxRetriesPerRequest: 1 } });
  try {
    await cluster.connect();
    for (const node of cluster.nodes('master')) deleted += await deleteMatching(node, pattern);
  } finally {
    cluster.disconnect();
  }
  return deleted;
}
