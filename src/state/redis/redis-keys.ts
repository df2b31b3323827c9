import type { ApprovalStatus } from '../approval-record.js';
import { replayKeyOf, type ReplaySpace } from '../key-parts.js';
import type { LedgerHolderKind } from '../ledger-limit.js';

/**
 * Every key the Redis driver uses, under one configurable prefix. Keys that one script
 * touches together share a hash tag, so each script runs on a single Redis Cluster slot:
 * `{ledger}` for the duty ledger (a commit may span several resources), `{approvals}` for
 * approval records and their indexes, `{audit}` for the chain head. Replay keys (the bulk of
 * the data) have no tag and spread over the whole cluster.
 *
 * Redis Cluster hashes the text between the FIRST `{` and the next `}`. Keys with a tag start
 * with it, so nothing after it can move them; replay keys have none, and their parts (issuer
 * and jti, both chosen by whoever mints the token) are encoded by `encodeKeyPart`, which
 * leaves no `{` or `}` — an agent cannot pick the slot its jtis land on.
 */
export interface RedisKeys {
  /** One spent token id: `j:a:<issuer>:<jti>` for agent tokens, `j:o:<jti>` for override tokens. */
  jti(space: ReplaySpace, id: string): string;
  /** Sorted set of one duty's entries for one resource (member = JSON [step, agent, initiator?], score = at). */
  ledger(duty: string, resource: string): string;
  /**
   * Sorted set of the live ledger entries one agent, chain root or initiator holds (member =
   * 24 hex digits of SHA-1(`<ledger member>|<ledger key>`), score = at): its share of the ledger, capped by
   * `limits.max_ledger_entries_per_actor`. `id` arrives encoded by `encodeKeyPart`.
   */
  ledgerShare(kind: LedgerHolderKind, encodedId: string): string;
  /** Common head of every approval key; scripts build record keys from it (same hash tag). */
  readonly approvals: string;
  /** Hash of one approval record. */
  approval(approvalId: string): string;
  /** requestKey → id of the pending approval for it. */
  requestKey(requestKey: string): string;
  /** Sorted set of approval ids with this stored status, scored by `createdAt`. */
  statusIndex(status: Exclude<ApprovalStatus, 'expired'>): string;
  /**
   * Sorted set of pending approval ids scored by `expiresAt` (issue 19 item 10): expired ones are
   * listed from it without reading the live ones. Ids leave it when decided or cancelled.
   */
  readonly expiring: string;
  /** Sorted set of an agent's approved break-glass ids, scored by `grantExpiresAt`. */
  breakGlass(agentId: string): string;
  /** Sorted set of an agent's (`agent`) or initiator's pending approval ids, scored by `expiresAt` (the cap, issue 12 item 5). */
  pendingOf(holder: 'agent' | 'initiator', id: string): string;
  /** `seq:hash` of the newest audit link. */
  readonly auditHead: string;
  /** Sorted set of the latest heads, scored by seq: did a batch whose reply was lost land? */
  readonly auditRecent: string;
}

/** Builds the key set for `prefix` (which must not contain `{` or `}`: it would move the hash tags). */
export function createRedisKeys(prefix: string): RedisKeys {
  if (/[{}]/.test(prefix)) throw new Error(`state.prefix must not contain '{' or '}' (got '${prefix}')`);
  const approvals = `${prefix}{approvals}:`;
  return {
    jti: (space, id) => `${prefix}j:${replayKeyOf(space, id)}`,
    // Length-prefixed duty: no choice of duty and resource names can make two keys collide.
    ledger: (duty, resource) => `${prefix}{ledger}:${duty.length}:${duty}:${resource}`,
    // `q:` after the tag: ledger keys have a length (digits) there, so the two never collide.
    ledgerShare: (kind, encodedId) => `${prefix}{ledger}:q:${kind}:${encodedId}`,
    approvals,
    approval: (approvalId) => `${approvals}r:${approvalId}`,
    requestKey: (requestKey) => `${approvals}k:${requestKey}`,
    statusIndex: (status) => `${approvals}s:${status}`,
    // Built the same way inside the vote and cancel scripts (`x:pending` after the head).
    expiring: `${approvals}x:pending`,
    breakGlass: (agentId) => `${approvals}bg:${agentId}`,
    // Built the same way inside the vote and cancel scripts (`pa:` / `pi:` after the head).
    pendingOf: (holder, id) => `${approvals}${holder === 'agent' ? 'pa' : 'pi'}:${id}`,
    auditHead: `${prefix}{audit}:head`,
    auditRecent: `${prefix}{audit}:recent`,
  };
}

/** The hash tag Redis Cluster hashes for `key` (the whole key when it has none). */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
