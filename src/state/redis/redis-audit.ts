import { withReplyDeadline } from '../../lib/with-deadline.js';
import { DutygateError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { AuditHead, AuditLink } from '../approval-record.js';
import { AUDIT_GENESIS_HASH, auditLinkHash } from '../audit-hash.js';
import type { RedisScripts } from './redis-scripts.js';

/** Most records sealed by one compare-and-set. */
const MAX_BATCH = 256;
/** Compare-and-set rounds lost to other replicas before backing off. */
const MAX_ROUNDS = 50;
/** Attempts of one batch remembered as maybe landed (one per retry, so about a minute of an outage). */
const MAX_UNKNOWN = 64;
/** Recent heads kept for telling whether a batch whose reply was lost landed (lua-audit.ts). */
export const RECENT_AUDIT_HEADS = 10_000;
/** Retry backoff of a batch the store did not take: 50 ms doubling up to 2 s, until it lands. */
export const auditRetryDelay = (attempt: number): number => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000);

interface Pending {
  readonly record: string;
  resolve(link: AuditLink): void;
  reject(error: unknown): void;
}

/** One attempt of a batch whose outcome is unknown: the head it would set and the links it built. */
interface Attempt {
  readonly head: string;
  readonly links: AuditLink[];
}

/** Options of {@link RedisAudit}. */
export interface RedisAuditOptions {
  readonly headKey: string;
  readonly recentKey: string;
  /** Deadline of one compare-and-set (`state.timeout`). */
  readonly timeoutMs: number;
  readonly log?: Logger;
}

/**
 * The audit chain shared by every replica. Redis Lua has no sha256, so Node builds the links
 * and a compare-and-set script moves the head (`seq:hash`) only from the head they were built
 * on; when another replica got there first, the script answers the new head and this side
 * rebuilds on it. Appends of one process are queued and sealed in batches, one round trip per
 * batch, so seq stays gap-free and the process never races itself.
 *
 * No gaps (docs/design.md §7): a batch the store did not take (Redis down, restarting, failing
 * over, too slow) stays at the head of the queue and is retried with backoff until it lands;
 * later records wait behind it, so the chain keeps the order the records came in. A retry asks
 * first whether an earlier attempt landed after all (its reply lost), so nothing is chained
 * twice. Only {@link close} gives up: what is still queued is rejected.
 */
export class RedisAudit {
  private readonly queue: Pending[] = [];
  private running = false;
  private closed = false;
  private wake: (() => void) | undefined;
  /** Last head seen ('' = empty chain); a guess that the script confirms or corrects. */
  private head = '';

  constructor(
    private readonly scripts: RedisScripts,
    private readonly options: RedisAuditOptions,
  ) {}

  append(record: string): Promise<AuditLink> {
    if (this.closed) return Promise.reject(new DutygateError('STATE_UNAVAILABLE', 'the state store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /** Stops retrying: every record still queued is rejected. */
  close(): void {
    this.closed = true;
    this.wake?.();
    const error = new DutygateError('STATE_UNAVAILABLE', 'the state store closed before these audit records were chained');
    for (const item of this.queue.splice(0)) item.reject(error);
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        // Taken off the queue only once sealed: close() rejects what is still in it.
        const batch = this.queue.slice(0, MAX_BATCH);
        const links = await this.sealUntilLanded(batch.map((item) => item.record));
        if (links === undefined) return;
        this.queue.splice(0, batch.length);
        batch.forEach((item, i) => item.resolve(links[i] as AuditLink));
      }
    } finally {
      this.running = false;
    }
  }

  /** The batch's links once it is in the chain; undefined when the store was closed first. */
  private async sealUntilLanded(records: readonly string[]): Promise<AuditLink[] | undefined> {
    const unknown: Attempt[] = [];
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const links = await this.seal(records, unknown);
        if (attempt > 0) this.options.log?.info({ attempts: attempt + 1, records: records.length }, 'audit chain appends resumed');
        return links;
      } catch (error) {
        if (attempt === 0) {
          this.options.log?.warn({ err: error instanceof Error ? error.message : String(error), records: records.length }, 'audit chain append failed; retrying in order');
        }
        await this.sleep(auditRetryDelay(attempt));
      }
    }
    return undefined;
  }

  private async seal(records: readonly string[], unknown: Attempt[]): Promise<AuditLink[]> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const links = buildLinks(this.head, records);
      const last = links[links.length - 1] as AuditLink;
      const next = `${last.seq}:${last.hash}`;
      // The earlier attempts asked about, as the script numbers them (the list below may shift).
      const asked = [...unknown];
      const args = [this.head, next, last.seq, RECENT_AUDIT_HEADS, ...asked.map((attempt) => attempt.head)];
      const attempt = { head: next, links };
      // Until the reply says otherwise, this attempt may land: later retries ask about it. An
      // attempt lands within moments of reaching Redis or never, so the oldest are let go.
      unknown.push(attempt);
      if (unknown.length > MAX_UNKNOWN) unknown.shift();
      const reply = (await withReplyDeadline(this.scripts.auditCas([this.options.headKey, this.options.recentKey], args), this.options.timeoutMs, 'STATE_UNAVAILABLE', 'audit append timed out')) as [number, (string | number)?];
      if (reply[0] === 1 || reply[0] === 2) {
        const landed = reply[0] === 1 ? attempt : asked[Number(reply[1]) - 1];
        if (!landed) throw new DutygateError('STATE_UNAVAILABLE', 'the audit script named an attempt it was not asked about');
        this.head = landed.head;
        return landed.links;
      }
      unknown.pop();
      this.noticeHead(String(reply[1] ?? ''));
    }
    throw new DutygateError('STATE_UNAVAILABLE', 'the audit chain head is too contended');
  }

  /** Takes the store's head; says so when it is behind one this process saw (writes were lost). */
  private noticeHead(current: string): void {
    const seen = parseAuditHead(this.head)?.seq ?? 0;
    const now = parseAuditHead(current)?.seq ?? 0;
    if (now < seen) {
      this.options.log?.error({ seen_seq: seen, store_seq: now }, 'audit chain head went back in Redis (writes lost: a restart without persistence, or a failover); the chain continues from the older head and audit verify will name the fork');
    }
    this.head = current;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function buildLinks(head: string, records: readonly string[]): AuditLink[] {
  const colon = head.indexOf(':');
  let seq = head === '' ? 0 : Number(head.slice(0, colon));
  let prevHash = head === '' ? AUDIT_GENESIS_HASH : head.slice(colon + 1);
  return records.map((record) => {
    const hash = auditLinkHash(prevHash, record);
    const link = { seq: ++seq, hash, prevHash };
    prevHash = hash;
    return link;
  });
}

/**
 * The stored head (`seq:hash`) as seq and hash; undefined for an empty chain. A value that is
 * not `seq:hash` is a corrupted key: thrown (fail closed), never read as an empty chain.
 */
export function parseAuditHead(value: string | null): AuditHead | undefined {
  if (value === null || value === '') return undefined;
  const match = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (!match) throw new DutygateError('STATE_UNAVAILABLE', 'the audit chain head in Redis is not seq:hash');
  return { seq: Number(match[1]), hash: match[2] as string };
}
