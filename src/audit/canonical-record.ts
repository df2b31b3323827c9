import { hash } from 'node:crypto';
import { canonicalJson } from '../policy/policy-hash.js';
import type { AuditRecord } from './decision-record.js';

/**
 * The bytes an audit record is hashed over: canonical JSON (object keys sorted by code unit at
 * every level, no whitespace, `JSON.stringify` scalars) of the record without its `audit`
 * stamp. Parsing a logged line and calling this again yields the same string, which is what
 * lets `audit verify` re-hash an exported log.
 */
export function canonicalRecord(record: AuditRecord): string {
  const { audit: _stamp, ...content } = record;
  return canonicalJson(content);
}

/** hex sha256 of a UTF-8 string (one-shot `crypto.hash`: no Hash object per call on the Check path). */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/**
 * hex sha256 of the canonical JSON of a tool call's params: the one params hash that the
 * decision log, approvals and override tokens share (DESIGN §6), so a record can be matched to
 * the approval it needed.
 */
export function hashParams(params: Readonly<Record<string, unknown>>): string {
  return sha256Hex(canonicalJson(params));
}

/** hex sha256 of the canonical JSON of one param value (what `params_hashed` holds). */
export function hashParamValue(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
