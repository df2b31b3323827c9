/**
 * The Redis the Redis-driver gate uses: is it there, how much CPU it burns during a phase (from
 * INFO, since it is not our child), and removing this run's scratch keys afterwards.
 */
import { Redis } from 'ioredis';

/** A connection for measuring and cleaning up. */
export interface RedisProbe {
  /** used_cpu_user + used_cpu_sys of the Redis server, in seconds. */
  cpuSeconds(): Promise<number | undefined>;
  /** Deletes the keys under `prefix` (bounded); resolves how many. */
  deletePrefix(prefix: string): Promise<number>;
  close(): void;
}

/** Connects to `url`; undefined (with the reason) when Redis does not answer within 2 s. */
export async function probeRedis(url: string): Promise<RedisProbe | string> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    return `Redis does not answer at ${url} (${(error as Error).message})`;
  }
  return {
    async cpuSeconds() {
      try {
        const info = await redis.info('cpu');
        const user = /used_cpu_user:([\d.]+)/.exec(info);
        const sys = /used_cpu_sys:([\d.]+)/.exec(info);
        return user && sys ? Number(user[1]) + Number(sys[1]) : undefined;
      } catch {
        return undefined;
      }
    },
    async deletePrefix(prefix) {
      let cursor = '0';
      let deleted = 0;
      // Bounded: at most 10,000 SCAN pages of 1,000 keys.
      for (let page = 0; page < 10_000; page++) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length > 0) deleted += await redis.unlink(...keys);
        cursor = next;
        if (cursor === '0') break;
      }
      return deleted;
    },
    close: () => redis.disconnect(),
  };
}
