/**
 * The machine's Redis for campaign categories that need shared state: the tests' keyspace helper
 * (test/helpers/redis-keyspace.ts, which imports no vitest) under the campaign's own run label,
 * without the test run's Redis Cluster.
 */
import { createRunKeyspace, deleteOnRedis, redisReachable, REDIS_URL } from '../test/helpers/redis-keyspace.js';

export { REDIS_URL } from '../test/helpers/redis-keyspace.js';

const RUN = createRunKeyspace('dutygate-campaign');

/** A gate's state on the machine's Redis, under a prefix of its own. */
export interface RedisGateState {
  /** The `state:` (and loosened `limits:`) lines for the gate's config. */
  readonly configExtra: string;
  /** Deletes the keys under the prefix. */
  cleanup(): Promise<number>;
}

/**
 * A gate state on the machine's Redis under a fresh prefix, or undefined when Redis does not
 * answer (the category then runs on memory state). The bounds are loose on purpose: the campaign
 * judges answers, and a loaded machine's Redis scheduling is not what it looks for.
 */
export async function redisGateState(label: string): Promise<RedisGateState | undefined> {
  if (!(await redisReachable())) return undefined;
  const prefix = RUN.freshPrefix(label);
  return {
    configExtra: `state: { driver: redis, url: "${REDIS_URL}", prefix: "${prefix}", timeout: 2s }\nlimits: { check_timeout: 900ms }`,
    cleanup: () => deleteOnRedis(`${prefix}*`),
  };
}
