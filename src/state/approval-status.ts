import type { ApprovalRecord } from './approval-record.js';

/** How long decided or expired approval records stay readable (docs/design.md §6: outcomes are audited). */
export const APPROVAL_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Default `listApprovals` limit. */
export const DEFAULT_LIST_LIMIT = 100;

/**
 * The record as a reader sees it at `nowMs`: a pending record past `expiresAt` reads as
 * `expired`. Stores persist only pending/approved/denied; expiry is derived, so no timer or
 * background job has to flip it.
 */
export function withDerivedStatus(record: ApprovalRecord, nowMs: number): ApprovalRecord {
  return record.status === 'pending' && record.expiresAt <= nowMs ? { ...record, status: 'expired' } : record;
}

/** When a record may be forgotten: its expiry (or an approved grant's end) plus the retention. */
export function approvalRetainUntil(record: ApprovalRecord, retentionMs: number): number {
  return Math.max(record.expiresAt, record.grantExpiresAt ?? 0) + retentionMs;
}
