import type { AuditHead, AuditLink } from '../approval-record.js';
import { AUDIT_GENESIS_HASH, auditLinkHash } from '../audit-hash.js';

/**
 * The audit chain of one process. Only the head is kept (constant memory): the links
 * themselves travel with the audit records they seal.
 */
export class MemoryAudit {
  private seq = 0;
  private head = AUDIT_GENESIS_HASH;

  append(canonicalRecord: string): AuditLink {
    const prevHash = this.head;
    const hash = auditLinkHash(prevHash, canonicalRecord);
    this.seq += 1;
    this.head = hash;
    return { seq: this.seq, hash, prevHash };
  }

  current(): AuditHead | undefined {
    return this.seq === 0 ? undefined : { seq: this.seq, hash: this.head };
  }
}
