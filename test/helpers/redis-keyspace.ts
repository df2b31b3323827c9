/**
 * Key prefixes on the machine's Redis for one run (tests or the campaign): a fresh prefix per
 * store so runs never see each other's data, a Redis reachability probe, and cleanup. No
 * `vitest` import: the campaign runs under plain node, where importing vitest throws.
 */
import { Redis } from 'ioredis';

/** The Redis the tests and the campaign use. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The prefixes of one run: every one starts with `<label>:<pid>-<time>:`. */
export interface RunKeyspace {
  /** The pattern every key of the run matches. */
  readonly pattern: string;
  /** A prefix no other store (in this run or another) uses. */
  freshPrefix(label?: string): string;
}

/** The keyspace of a run labelled `label` (`dutygate-test`, `dutygate-campaign`). */
export function createRunKeyspace(label: string): RunKeyspace {
  const run = `${label}:${process.pid}-${Date.now().toString(36)}`;
  let counter = 0;
  return {
    pattern: `${run}:*`,
    freshPrefix(prefixLabel = 's') {
      counter += 1;
      return `${run}:${prefixLabel}${counter}:`;
    },
  };
}

/** True when the Redis at `url` answers a connection now (no retries). */
export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** SCAN + UNLINK on one node; keys of one batch may sit in different slots, so one UNLINK each. */
export async function deleteMatching(node: Redis, pattern: string): Promise<number> {
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

/** Deletes the keys matching `pattern` on the single Redis at `url`. */
export async function deleteOnRedis(pattern: string, url = REDIS_URL): Promise<number> {
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  try {
    return await deleteMatching(admin, pattern);
  } finally {
    admin.disconnect();
  }
}
