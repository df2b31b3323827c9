/**
 * Real Redis for tests: the machine's on 127.0.0.1:6379 (REDIS_URL overrides), a fresh key
 * prefix per store so runs never see each other's data, and cleanup of every prefix used.
 */
import { Redis } from 'ioredis';
import type { RedisStateConfig } from '../../src/config/types.js';

/** The Redis the tests use. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const RUN = `dutygate-test:${process.pid}-${Date.now().toString(36)}`;
let counter = 0;

/** A prefix no other store (in this run or another) uses. */
export function freshPrefix(label = 's'): string {
  counter += 1;
  return `${RUN}:${label}${counter}:`;
}

/** A Redis state config on the test Redis with a fresh prefix. */
export function redisTestConfig(extra: Partial<RedisStateConfig> = {}): RedisStateConfig {
  return { driver: 'redis', url: REDIS_URL, prefix: freshPrefix(), timeoutMs: 1_000, ledgerTtlMs: 86_400_000, ...extra };
}

/** Deletes every key this test run created (all prefixes start with the run's id). */
export async function deleteTestKeys(pattern = `${RUN}:*`): Promise<number> {
  const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await admin.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
  return deleted;
}
