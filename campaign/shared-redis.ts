/**
 * The machine's Redis for campaign categories that need shared state: the same URL, prefixes and
 * cleanup as test/helpers/redis-test.ts, without its `vitest` import (the campaign runs under
 * plain node, where importing vitest throws) and without the test run's Redis Cluster.
 */
import { Redis } from 'ioredis';

/** The Redis the tests use. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const RUN = `dutygate-campaign:${process.pid}-${Date.now().toString(36)}`;
let counter = 0;

/** A prefix no other store (in this run or another) uses. */
export function freshPrefix(label = 's'): string {
  counter += 1;
  return `${RUN}:${label}${counter}:`;
}

/** Deletes the keys matching `pattern` (SCAN + UNLINK) on the single Redis. */
export async function deleteTestKeys(pattern = `${RUN}:*`): Promise<number> {
  const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      const counts = await Promise.all(keys.map((key) => admin.unlink(key)));
      deleted += counts.reduce((sum, n) => sum + n, 0);
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
  return deleted;
}
