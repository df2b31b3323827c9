import { hash } from 'node:crypto';

/** The previous hash of the first link of every audit chain. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** hex sha256(previous hash + "\n" + canonical record): one link of the audit chain. */
export function auditLinkHash(prevHash: string, canonicalRecord: string): string {
  return hash('sha256', `${prevHash}\n${canonicalRecord}`, 'hex');
}
