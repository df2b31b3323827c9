import { Cluster } from 'ioredis';
import { DutygateError } from '../../errors.js';
import type { RedisClient } from './redis-client.js';

/** `state.durability: wait`: how many replicas must hold a write, and for how long to wait. */
export interface WaitForReplicas {
  readonly replicas: number;
  readonly timeoutMs: number;
}

type Pipeline = ReturnType<RedisClient['pipeline']>;
type Replies = [Error | null, unknown][];

/**
 * Sends a write and `WAIT <replicas> <timeout>` in one pipeline, and resolves the write's reply
 * only once enough replicas acknowledged it (docs/design.md §9, "Durability").
 *
 * Why: Redis replicates asynchronously. A jti claim or a ledger commit acknowledged by a master
 * that dies before shipping it is gone from the replica promoted in its place, so the token can
 * be spent again (a replay) and the duty step forgotten. WAIT blocks until replicas hold every
 * earlier write of the connection. One pipeline keeps write and WAIT on one connection to one
 * node (on a cluster, the node of the write's key: a keyless WAIT alone would go to any node).
 * Fewer acknowledgements than asked is a failure (fail closed): the write may stand on the
 * master, but nothing is promised to the caller that a failover could take back.
 */
export async function writeDurably(client: RedisClient, write: (pipeline: Pipeline) => Pipeline, wait: WaitForReplicas): Promise<unknown> {
  let replies = await send(client, write, wait);
  // A pipeline whose WAIT was answered does not follow its write's MOVED (ioredis redirects a
  // pipeline only when every reply is one): after a failover the slot map would stay stale and
  // every durable write to those slots would fail. MOVED means the write did not run, so it is
  // sent once more, on the refreshed map.
  if (client instanceof Cluster && isMoved(replies[0]?.[0])) {
    await new Promise<void>((resolve, reject) => client.refreshSlotsCache((error) => (error ? reject(error) : resolve())));
    replies = await send(client, write, wait);
  }
  const [writeReply, waitReply] = replies;
  if (!writeReply || !waitReply) throw new DutygateError('STATE_UNAVAILABLE', 'no reply to a durable write');
  if (writeReply[0]) throw writeReply[0];
  if (waitReply[0]) throw waitReply[0];
  const acknowledged = Number(waitReply[1]);
  if (!(acknowledged >= wait.replicas)) {
    throw new DutygateError('STATE_UNAVAILABLE', `write acknowledged by ${acknowledged} of ${wait.replicas} replicas within ${wait.timeoutMs} ms`);
  }
  return writeReply[1];
}

async function send(client: RedisClient, write: (pipeline: Pipeline) => Pipeline, wait: WaitForReplicas): Promise<Replies> {
  return ((await write(client.pipeline()).wait(wait.replicas, wait.timeoutMs).exec()) ?? []);
}

function isMoved(error: Error | null | undefined): boolean {
  return error instanceof Error && error.message.startsWith('MOVED ');
}
