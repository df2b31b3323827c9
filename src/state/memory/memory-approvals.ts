import { DutygateError } from '../../errors.js';
import type { ApprovalRecord, ApprovalStatus, ApprovalVote, CancelResult, VoteResult } from '../approval-record.js';
import { approvalRetainUntil, DEFAULT_LIST_LIMIT, withDerivedStatus } from '../approval-status.js';

/** Bounds of the in-process approval records. */
export interface MemoryApprovalsOptions {
  /** Most records kept at once (pending and retained); when full, creating one fails closed. */
  readonly maxRecords: number;
  /** How long a record stays readable after it expired or its grant ended. */
  readonly retentionMs: number;
}

/**
 * Approval records of one process: created, voted on and read synchronously, so every method
 * is atomic with respect to concurrent Checks. Bounded: records are forgotten `retentionMs`
 * after they expire, and a full store refuses new records rather than dropping live ones.
 */
export class MemoryApprovals {
  private readonly records = new Map<string, ApprovalRecord>();
  /** requestKey → approvalId of the pending record for it. */
  private readonly pendingByKey = new Map<string, string>();
  /** agentId → ids of its approved break-glass records (so a lookup never scans every record). */
  private readonly grantsByAgent = new Map<string, Set<string>>();

  constructor(private readonly options: MemoryApprovalsOptions) {}

  create(record: ApprovalRecord, nowMs: number): { record: ApprovalRecord; created: boolean } {
    const existing = this.records.get(record.approvalId);
    if (existing) return { record: withDerivedStatus(existing, nowMs), created: false };
    const pendingId = this.pendingByKey.get(record.requestKey);
    const pending = pendingId === undefined ? undefined : this.records.get(pendingId);
    if (pending && withDerivedStatus(pending, nowMs).status === 'pending') return { record: pending, created: false };
    if (this.records.size >= this.options.maxRecords) this.sweep(nowMs);
    if (this.records.size >= this.options.maxRecords) {
      throw new DutygateError('STATE_UNAVAILABLE', 'the approval store is full');
    }
    this.records.set(record.approvalId, record);
    if (record.status === 'pending') this.pendingByKey.set(record.requestKey, record.approvalId);
    return { record, created: true };
  }

  get(approvalId: string, nowMs: number): ApprovalRecord | undefined {
    const record = this.records.get(approvalId);
    return record && withDerivedStatus(record, nowMs);
  }

  list(status: ApprovalStatus, nowMs: number, limit = DEFAULT_LIST_LIMIT): ApprovalRecord[] {
    const out: ApprovalRecord[] = [];
    for (const stored of this.records.values()) {
      const record = withDerivedStatus(stored, nowMs);
      if (record.status === status) out.push(record);
    }
    return out.sort((a, b) => b.createdAt - a.createdAt).slice(0, Math.max(0, limit));
  }

  /** Same order of checks as the Redis script: unknown, duplicate voter, closed, then decide. */
  vote(approvalId: string, vote: ApprovalVote, nowMs: number): VoteResult {
    const stored = this.records.get(approvalId);
    if (!stored) return { outcome: 'not_found' };
    const current = withDerivedStatus(stored, nowMs);
    if (current.votes.some((earlier) => earlier.principal === vote.principal)) return { outcome: 'duplicate', record: current };
    if (current.status !== 'pending') return { outcome: 'closed', record: current };
    const votes = [...current.votes, vote];
    const approvals = votes.filter((each) => each.decision === 'approve').length;
    let record: ApprovalRecord = { ...current, votes };
    if (vote.decision === 'deny') {
      record = { ...record, status: 'denied', decidedAt: nowMs };
    } else if (approvals >= current.quorum) {
      const grant = current.kind === 'break_glass' && current.grantTtlMs !== undefined ? { grantExpiresAt: nowMs + current.grantTtlMs } : {};
      record = { ...record, status: 'approved', decidedAt: nowMs, ...grant };
    }
    this.records.set(approvalId, record);
    if (record.status !== 'pending' && this.pendingByKey.get(record.requestKey) === approvalId) this.pendingByKey.delete(record.requestKey);
    if (record.grantExpiresAt !== undefined) {
      const ids = this.grantsByAgent.get(record.agentId) ?? new Set<string>();
      this.grantsByAgent.set(record.agentId, ids.add(approvalId));
    }
    return { outcome: 'recorded', record };
  }

  /** Same checks as the Redis script: unknown, closed (or expired), then cancel. */
  cancel(approvalId: string, by: string, nowMs: number): CancelResult {
    const stored = this.records.get(approvalId);
    if (!stored) return { outcome: 'not_found' };
    const current = withDerivedStatus(stored, nowMs);
    if (current.status !== 'pending') return { outcome: 'closed', record: current };
    const record: ApprovalRecord = { ...current, status: 'cancelled', cancelledBy: by, decidedAt: nowMs };
    this.records.set(approvalId, record);
    if (this.pendingByKey.get(record.requestKey) === approvalId) this.pendingByKey.delete(record.requestKey);
    return { outcome: 'cancelled', record };
  }

  setNotification(approvalId: string, notification: { channel: string; ts: string }): void {
    const record = this.records.get(approvalId);
    if (record) this.records.set(approvalId, { ...record, notification: { channel: notification.channel, ts: notification.ts } });
  }

  activeBreakGlass(agentId: string, nowMs: number): ApprovalRecord | undefined {
    let best: ApprovalRecord | undefined;
    for (const id of this.grantsByAgent.get(agentId) ?? []) {
      const record = this.records.get(id);
      if (!record || (record.grantExpiresAt ?? 0) <= nowMs) continue;
      if (!best || (record.grantExpiresAt ?? 0) > (best.grantExpiresAt ?? 0)) best = record;
    }
    return best;
  }

  /** Forgets records past their retention. */
  sweep(nowMs: number): void {
    for (const [id, record] of this.records) {
      if (approvalRetainUntil(record, this.options.retentionMs) > nowMs) continue;
      this.records.delete(id);
      if (this.pendingByKey.get(record.requestKey) === id) this.pendingByKey.delete(record.requestKey);
      const grants = this.grantsByAgent.get(record.agentId);
      if (grants?.delete(id) && grants.size === 0) this.grantsByAgent.delete(record.agentId);
    }
  }

  clear(): void {
    this.records.clear();
    this.pendingByKey.clear();
    this.grantsByAgent.clear();
  }
}
