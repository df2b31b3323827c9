import { DutygateError } from '../../errors.js';
import type { AuditHead, AuditLink } from '../approval-record.js';
import { AUDIT_GENESIS_HASH, auditLinkHash } from '../audit-hash.js';
import type { RedisScripts } from './redis-scripts.js';

/** Most records sealed by one compare-and-set. */
const MAX_BATCH = 256;
/** Compare-and-set rounds lost to other replicas before giving up (fail closed). */
const MAX_ROUNDS = 50;

interface Pending {
  readonly record: string;
  resolve(link: AuditLink): void;
  reject(error: unknown): void;
}

/**
 * The audit chain shared by every replica. Redis Lua has no sha256, so Node builds the links
 * and a compare-and-set script moves the head (`seq:hash`) only from the head they were built
 * on; when another replica got there first, the script answers the new head and this side
 * rebuilds on it. Appends of one process are queued and sealed in batches, one round trip per
 * batch, so seq stays gap-free and the process never races itself.
 */
export class RedisAudit {
  private readonly queue: Pending[] = [];
  private running = false;
  /** Last head seen ('' = empty chain); a guess that the script confirms or corrects. */
  private head = '';

  constructor(
    private readonly scripts: RedisScripts,
    private readonly headKey: string,
  ) {}

  append(record: string): Promise<AuditLink> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const links = await this.seal(batch.map((item) => item.record));
          batch.forEach((item, i) => item.resolve(links[i] as AuditLink));
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async seal(records: readonly string[]): Promise<AuditLink[]> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const links = buildLinks(this.head, records);
      const last = links[links.length - 1] as AuditLink;
      const next = `${last.seq}:${last.hash}`;
      const reply = (await this.scripts.auditCas([this.headKey], [this.head, next])) as [number, string?];
      if (reply[0] === 1) {
        this.head = next;
        return links;
      }
      this.head = reply[1] ?? '';
    }
    throw new DutygateError('STATE_UNAVAILABLE', 'the audit chain head is too contended');
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
