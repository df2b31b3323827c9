import { settleWithin, withReplyDeadline } from '../../lib/with-deadline.js';
import type { RedisStateConfig } from '../../config/types.js';
import { DutygateError, isDutygateError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { APPROVAL_RETENTION_MS } from '../approval-status.js';
import type { StateStore } from '../state-store.js';
import { Cluster } from 'ioredis';
import { createRedisClient, type RedisClient } from './redis-client.js';
import { RedisApprovals } from './redis-approvals.js';
import { parseAuditHead, RedisAudit } from './redis-audit.js';
import { createRedisKeys } from './redis-keys.js';
import { RedisLedger } from './redis-ledger.js';
import { defineScripts } from './redis-scripts.js';
import { writeDurably } from './durable-write.js';

/** Test and embedding hooks of the Redis driver. */
export interface RedisStoreOptions {
  readonly log?: Logger;
  /** Use this client instead of building one from the config (the store still closes it). */
  readonly client?: RedisClient;
  /** How long decided or expired approvals stay readable (default 24h). */
  readonly approvalRetentionMs?: number;
  /** Pending approvals per agent and per initiator (`limits.max_pending_approvals`, default 20). */
  readonly maxPendingApprovals?: number;
  /** Live duty-ledger entries per agent, chain root and initiator (`limits.max_ledger_entries_per_actor`, default 100,000). */
  readonly maxLedgerEntriesPerActor?: number;
  /** How long start-up waits for the first connection before going on NOT_SERVING (default 2s). */
  readonly connectWaitMs?: number;
}

/** What the agent sees; the cause goes to the log only. */
const UNAVAILABLE = 'the shared state store (Redis) is unavailable';

/**
 * The shared state driver: every replica pointing at the same Redis (or Cluster) and prefix
 * shares one replay set, one duty ledger, one set of approvals and one audit chain. Every
 * multi-step change is one Lua script or one command. Every failure — refused connection,
 * timeout, script error — becomes `STATE_UNAVAILABLE`, so the Check denies fast; ioredis keeps
 * reconnecting in the background and the readiness probe flips back when `ping` answers.
 *
 * Resolves once connected, or after `connectWaitMs` with the reconnect still running (a gate
 * may start before its Redis; it reports NOT_SERVING meanwhile).
 */
export async function createRedisStore(config: RedisStateConfig, options: RedisStoreOptions = {}): Promise<StateStore> {
  const keys = createRedisKeys(config.prefix);
  const client = options.client ?? createRedisClient(config);
  // One replica's acknowledgement, within the call's own deadline (durable-write.ts).
  const durability = config.durability === 'wait' ? { replicas: 1, timeoutMs: config.timeoutMs } : undefined;
  const scripts = defineScripts(client, durability);
  const ledger = new RedisLedger(client, scripts, keys, config.ledgerTtlMs, options.maxLedgerEntriesPerActor);
  const approvals = new RedisApprovals(client, scripts, keys, {
    retentionMs: options.approvalRetentionMs ?? APPROVAL_RETENTION_MS,
    ...(options.maxPendingApprovals === undefined ? {} : { maxPending: options.maxPendingApprovals }),
  });
  const audit = new RedisAudit(scripts, {
    headKey: keys.auditHead,
    recentKey: keys.auditRecent,
    timeoutMs: config.timeoutMs,
    ...(options.log ? { log: options.log } : {}),
  });
  watchConnection(client, options.log);
  await connectOnce(client, options.connectWaitMs ?? 2_000, options.log);
  // After a failover the promoted replica is a master the client never dialled as one: dial it
  // when the slot map is refreshed, not with the first Checks routed there (see dialEveryMaster).
  if (client instanceof Cluster) client.on('refresh', () => void dialEveryMaster(client).catch(() => undefined));

  const fail = (error: unknown): never => {
    throw toStateError(error);
  };
  // Every call gets `state.timeout` to be answered — by Redis, not by a free event loop.
  const bounded = <R>(work: Promise<R>): Promise<R> => withReplyDeadline(work, config.timeoutMs, 'STATE_UNAVAILABLE', UNAVAILABLE);
  const guard =
    <A extends unknown[], R>(work: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      try {
        return bounded(work(...args)).catch(fail);
      } catch (error) {
        return Promise.reject(toStateError(error));
      }
    };
  const isClaimed = (reply: string | null): boolean => reply === 'OK';

  return {
    driver: 'redis',

    // The hot path: one SET NX PX, auto-pipelined with the other Checks of this tick.
    claimJti(space, jti, expiresAtMs, nowMs) {
      let key: string;
      try {
        key = keys.jti(space, jti);
      } catch (error) {
        return Promise.reject(toStateError(error));
      }
      const ttlMs = Math.max(1, expiresAtMs - nowMs);
      const claim = durability
        ? writeDurably(client, (pipeline) => pipeline.set(key, '1', 'PX', ttlMs, 'NX'), durability).then((reply) => reply as string | null)
        : client.set(key, '1', 'PX', ttlMs, 'NX');
      return bounded(claim).then(isClaimed, fail);
    },

    readLedger: guard((steps, nowMs) => ledger.read(steps, nowMs)),
    commitDutySteps: guard((steps, actor, nowMs) => ledger.commit(steps, actor, nowMs)),

    createApproval: guard((record, nowMs) => approvals.create(record, nowMs)),
    getApproval: guard((approvalId, nowMs) => approvals.get(approvalId, nowMs)),
    listApprovals: guard((status, nowMs, limit) => approvals.list(status, nowMs, limit)),
    recordVote: guard((approvalId, vote, nowMs) => approvals.vote(approvalId, vote, nowMs)),
    cancelApproval: guard((approvalId, by, nowMs) => approvals.cancel(approvalId, by, nowMs)),
    claimFollowUp: guard((approvalId, step, nowMs, everyMs) => approvals.claimFollowUp(approvalId, step, nowMs, everyMs)),
    setApprovalNotification: guard((approvalId, notification) => approvals.setNotification(approvalId, notification)),
    activeBreakGlass: guard((agentId, nowMs) => approvals.activeBreakGlass(agentId, nowMs)),

    // No deadline of its own: RedisAudit bounds each attempt and retries until it lands (§7).
    appendAudit: (record) => audit.append(record).catch(fail),
    auditHead: guard(async () => parseAuditHead(await client.get(keys.auditHead))),

    async ping() {
      try {
        const reply = await bounded(client.ping());
        if (reply !== 'PONG') throw new Error(`unexpected PING reply '${String(reply)}'`);
      } catch (error) {
        // A connection that is "ready" but answers nothing (a frozen server, a silent network
        // partition) would never be replaced on its own, and every timed-out command would
        // wait in its queue. The readiness probe pings every second: drop and redial it.
        if (client.status === 'ready') client.disconnect(true);
        throw toStateError(error);
      }
    },

    async close() {
      audit.close();
      try {
        await settleWithin(client.quit(), 500);
      } catch {
        // already down: nothing to flush
      } finally {
        client.disconnect();
      }
    },
  };
}

/** Every failure as the one code the Check path knows; the cause stays attached for the log. */
function toStateError(error: unknown): DutygateError {
  return isDutygateError(error) ? error : new DutygateError('STATE_UNAVAILABLE', UNAVAILABLE, { cause: error });
}

/** Logs transitions only: one line when Redis goes away, one when it is back (no flood while down). */
function watchConnection(client: RedisClient, log: Logger | undefined): void {
  let up = false;
  client.on('ready', () => {
    up = true;
    log?.info('redis state store connected');
  });
  // Without an 'error' listener ioredis reports every failed reconnect on stderr.
  client.on('error', (error: Error) => {
    if (!up) return;
    up = false;
    log?.error({ err: error.message }, 'redis state store unreachable; reconnecting in the background');
  });
  client.on('end', () => {
    up = false;
  });
}

/**
 * A Cluster client dials a master only when a command first goes there, and that command
 * waits for the connection and its ready check — under load longer than `state.timeout`. So
 * every master is dialled at start, not by the first Checks.
 */
async function dialEveryMaster(client: RedisClient): Promise<void> {
  if (!(client instanceof Cluster)) return;
  await Promise.all(client.nodes('master').map((node) => node.ping()));
}

async function connectOnce(client: RedisClient, waitMs: number, log: Logger | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().then(() => dialEveryMaster(client)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no connection within ${waitMs} ms`)), waitMs);
      }),
    ]);
  } catch (error) {
    log?.warn({ err: error instanceof Error ? error.message : String(error) }, 'redis state store not reachable at start; retrying in the background');
  } finally {
    clearTimeout(timer);
  }
}
