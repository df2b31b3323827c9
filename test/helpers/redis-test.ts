/**
 * Real Redis for tests: the machine's on 127.0.0.1:6379 (REDIS_URL overrides) and the live
 * Redis Cluster of the run (test/helpers/cluster-global-setup.ts), a fresh key prefix per store
 * so runs never see each other's data, and cleanup of every prefix used.
 */
import { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';
import type { RedisStateConfig } from '../../src/config/types.js';
import { parseHostPort } from '../../src/state/redis/redis-client.js';

/** The Redis the tests use. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const RUN = `dutygate-test:${process.pid}-${Date.now().toString(36)}`;
let counter = 0;

/** A prefix no other store (in this run or another) uses. */
export function freshPrefix(label = 's'): string {
  counter += 1;
  return `${RUN}:${label}${counter}:`;
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
export async function deleteTestKeys(pattern = `${RUN}:*`): Promise<number> {
  const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  let deleted = 0;
  try {
    deleted += await deleteMatching(admin, pattern);
  } finally {
    admin.disconnect();
  }
  const cluster = new Cluster(clusterNodes().map(parseHostPort), { lazyConnect: true, redisOptions: { maxRetriesPerRequest: 1 } });
  try {
    await cluster.connect();
    for (const node of cluster.nodes('master')) deleted += await deleteMatching(node, pattern);
  } finally {
    cluster.disconnect();
  }
  return deleted;
}

/** SCAN + UNLINK on one node; keys of one batch may sit in different slots, so one UNLINK each. */
async function deleteMatching(node: Redis, pattern: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    const counts = await Promise.all(keys.map((key) => node.unlink(key)));
    deleted += counts.reduce((sum, n) => sum + n, 0);
  } while (cursor !== '0');
  return deleted;
}
