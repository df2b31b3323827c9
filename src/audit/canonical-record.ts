import { hash } from 'node:crypto';
import { canonicalJson } from '../policy/policy-hash.js';
import { createLayoutCanonicalizer } from './canonical-layout.js';
import type { AuditRecord } from './decision-record.js';

/**
 * The bytes an audit record is hashed over: canonical JSON (object keys sorted by code unit at
 * every level, no whitespace, `JSON.stringify` scalars) of the record without its `audit`
 * stamp. Parsing a logged line and calling this again yields the same string, which is what
 * lets `audit verify` re-hash an exported log.
 */
export function canonicalRecord(record: AuditRecord): string {
  return withoutStamp(record as unknown as Readonly<Record<string, unknown>>);
}

const withoutStamp = createLayoutCanonicalizer('audit');

/** hex sha256 of a UTF-8 string (one-shot `crypto.hash`: no Hash object per call on the Check path). */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/**
 * hex sha256 of the canonical JSON of `value` (object keys sorted at every level, the
 * canonicalisation behind `policy_version`): one param value as `params_hashed` holds it, an
 * approval's deduplication key.
 */
export function sha256Canonical(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/**
 * The params hash: {@link sha256Canonical} of a tool call's params. The one hash that the
 * decision log, approval records and override tokens share (docs/design.md §6), so a record can be
 * matched to the approval it needed and a retry with other params never matches.
 */
export function hashParams(params: Readonly<Record<string, unknown>>): string {
  return sha256Canonical(params);
}
