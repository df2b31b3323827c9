import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisStateConfig } from '../../config/types.js';
import { SCRIPT_COMMANDS } from './redis-scripts.js';

/** A single Redis or a Redis Cluster; the driver uses only what both offer. */
export type RedisClient = Redis | Cluster;

/** How long a connection attempt may take before the background reconnect tries again. */
const CONNECT_TIMEOUT_MS = 2_000;
/** Reconnect backoff: 50 ms doubling up to 1 s, forever — the gate recovers without a restart. */
export const reconnectDelay = (attempt: number): number => Math.min(50 * 2 ** Math.min(Math.max(attempt - 1, 0), 5), 1_000);

/**
 * Sent on their own, never auto-pipelined: ioredis sends a connection's next auto-pipeline only
 * once the previous one is answered, so the readiness PING to a frozen server would hold every
 * later command back; on its own, its failure drops the connection and later commands fail at once.
 */
const UNPIPELINED = ['ping'];

/** What `createRedisClient` would build, for inspection (tests) and for building it. */
export type RedisClientPlan =
  | { readonly kind: 'single'; readonly url: string; readonly options: RedisOptions }
  | { readonly kind: 'cluster'; readonly nodes: { host: string; port: number }[]; readonly options: ClusterOptions };

/**
 * ioredis options for failing closed, fast (docs/design.md §1, issue #3): ioredis by default queues
 * commands while disconnected and retries them for about 70 s. Here a command fails at once
 * when there is no connection: no offline queue, no per-request retries (a retried script
 * could run twice), and reconnects in the background. The deadline of each call (`timeoutMs`)
 * is the store's (redis-store.ts), not ioredis' `commandTimeout`, whose timer rejects replies
 * that arrived while the event loop was busy (see withDeadline).
 * Auto-pipelining batches the concurrent Checks' commands into one write per event-loop turn.
 */
export function planRedisClient(config: RedisStateConfig): RedisClientPlan {
  const perNode = {
    lazyConnect: true,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // A dropped connection whose peer never acknowledges (frozen server, partition) is
    // destroyed after this long, so the reconnect can start.
    disconnectTimeout: 500,
    enableReadyCheck: true,
    connectionName: 'dutygate',
  } satisfies RedisOptions;
  if (config.cluster && config.cluster.length > 0) {
    return {
      kind: 'cluster',
      nodes: config.cluster.map(parseHostPort),
      options: {
        lazyConnect: true,
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        // Scripts are grouped by their key count, not their key (see SCRIPT_COMMANDS).
        autoPipeliningIgnoredCommands: [...SCRIPT_COMMANDS, ...UNPIPELINED],
        scaleReads: 'master',
        clusterRetryStrategy: reconnectDelay,
        slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
        redisOptions: perNode,
      },
    };
  }
  if (config.url === undefined) throw new Error('state.driver redis needs state.url or state.cluster');
  return { kind: 'single', url: config.url, options: { ...perNode, enableOfflineQueue: false, retryStrategy: reconnectDelay, autoPipeliningIgnoredCommands: [...UNPIPELINED] } };
}

/** Builds the (not yet connected) client for `config`. */
export function createRedisClient(config: RedisStateConfig): RedisClient {
  const plan = planRedisClient(config);
  return plan.kind === 'cluster' ? new Cluster(plan.nodes, plan.options) : new Redis(plan.url, plan.options);
}

/** `host:port`, `[v6]:port` or `host` (port 6379). */
export function parseHostPort(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = match?.[3] === undefined ? 6379 : Number(match[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`state.cluster entry '${text}' is not host:port`);
  return { host, port };
}
