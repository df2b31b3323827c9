import { DutygateError } from '../../errors.js';
import type { ApprovalRecord, ApprovalStatus, ApprovalVote, CancelResult, FollowUpStep, VoteResult } from '../approval-record.js';
import { approvalLimitError } from '../approval-limit.js';
import { quorumMet } from '../approval-progress.js';
import { approvalRetainUntil, DEFAULT_LIST_LIMIT, withDerivedStatus } from '../approval-status.js';

/** Bounds of the in-process approval records. */
export interface MemoryApprovalsOptions {
  /** Most records kept at once (pending and retained); when full, creating one fails closed. */
  readonly maxRecords: number;
  /** How long a record stays readable after it expired or its grant ended. */
  readonly retentionMs: number;
  /** Pending records one agent, and one initiator, may have at once; beyond it create throws APPROVAL_LIMIT. */
  readonly maxPending: number;
}

/** Records looked at per create by the incremental sweep (the timer's full sweep does the rest). */
const SWEEP_STEP = 4;
/** Records looked at when the store is full, before it refuses the create. */
const SWEEP_STEP_FULL = 256;

/**
 * Approval records of one process: created, voted on and read synchronously, so every method
 * is atomic with respect to concurrent Checks. Bounded: records are forgotten `retentionMs`
 * after they expire, a full store refuses new records rather than dropping live ones, and each
 * agent and initiator may hold `maxPending` pending records (issue 12 item 5). A create costs
 * O(maxPending), never a walk over every record: the sweep it does is a few steps of a clock hand.
 */
export class MemoryApprovals {
  private readonly records = new Map<string, ApprovalRecord>();
  /** requestKey → approvalId of the pending record for it. */
  private readonly pendingByKey = new Map<string, string>();
  /** agentId → ids of its approved break-glass records (so a lookup never scans every record). */
  private readonly grantsByAgent = new Map<string, Set<string>>();
  /** `a:<agentId>` / `i:<initiator>` → ids of its pending records (at most maxPending each). */
  private readonly pendingByHolder = new Map<string, Set<string>>();
  /** The incremental sweep's position in `records` (a live Map iterator: deletions are safe). */
  private cursor: Iterator<[string, ApprovalRecord]> | undefined;

  constructor(private readonly options: MemoryApprovalsOptions) {}

  create(record: ApprovalRecord, nowMs: number): { record: ApprovalRecord; created: boolean } {
    const existing = this.records.get(record.approvalId);
    if (existing) return { record: withDerivedStatus(existing, nowMs), created: false };
    const pendingId = this.pendingByKey.get(record.requestKey);
    const pending = pendingId === undefined ? undefined : this.records.get(pendingId);
    if (pending && withDerivedStatus(pending, nowMs).status === 'pending') return { record: pending, created: false };
    // Same order as the Redis script: the agent's cap, then the initiator's.
    if (record.status === 'pending') {
      if (this.pendingOf(`a:${record.agentId}`, nowMs) >= this.options.maxPending) throw approvalLimitError('agent', this.options.maxPending);
      if (record.initiator !== undefined && this.pendingOf(`i:${record.initiator}`, nowMs) >= this.options.maxPending) {
        throw approvalLimitError('initiator', this.options.maxPending);
      }
    }
    this.sweepSome(nowMs, SWEEP_STEP);
    if (this.records.size >= this.options.maxRecords) this.sweepSome(nowMs, SWEEP_STEP_FULL);
    if (this.records.size >= this.options.maxRecords) {
      throw new DutygateError('STATE_UNAVAILABLE', 'the approval store is full');
    }
    this.records.set(record.approvalId, record);
    if (record.status === 'pending') {
      this.pendingByKey.set(record.requestKey, record.approvalId);
      for (const holder of holdersOf(record)) {
        const ids = this.pendingByHolder.get(holder) ?? new Set<string>();
        this.pendingByHolder.set(holder, ids.add(record.approvalId));
      }
    }
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
    // Expired ones latest expiry first, like the Redis expiry index; the others newest first.
    const order = status === 'expired' ? (a: ApprovalRecord, b: ApprovalRecord) => b.expiresAt - a.expiresAt : (a: ApprovalRecord, b: ApprovalRecord) => b.createdAt - a.createdAt;
    return out.sort(order).slice(0, Math.max(0, limit));
  }

  /** Same order of checks as the Redis script: unknown, duplicate voter, closed, then decide. */
  vote(approvalId: string, vote: ApprovalVote, nowMs: number): VoteResult {
    const stored = this.records.get(approvalId);
    if (!stored) return { outcome: 'not_found' };
    const current = withDerivedStatus(stored, nowMs);
    if (current.votes.some((earlier) => earlier.principal === vote.principal)) return { outcome: 'duplicate', record: current };
    if (current.status !== 'pending') return { outcome: 'closed', record: current };
    let record: ApprovalRecord = { ...current, votes: [...current.votes, vote] };
    if (vote.decision === 'deny') {
      record = { ...record, status: 'denied', decidedAt: nowMs };
    } else if (quorumMet(record)) {
      const grant = current.kind === 'break_glass' && current.grantTtlMs !== undefined ? { grantExpiresAt: nowMs + current.grantTtlMs } : {};
      record = { ...record, status: 'approved', decidedAt: nowMs, ...grant };
    }
    this.records.set(approvalId, record);
    if (record.status !== 'pending') this.unmarkPending(approvalId, record);
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
    this.unmarkPending(approvalId, record);
    return { outcome: 'cancelled', record };
  }

  /** Same checks as the Redis script: unknown, closed (or expired), claimed within the interval, then stamp. */
  claimFollowUp(approvalId: string, step: FollowUpStep, nowMs: number, everyMs: number | undefined): ApprovalRecord | undefined {
    const stored = this.records.get(approvalId);
    if (!stored || withDerivedStatus(stored, nowMs).status !== 'pending') return undefined;
    const field = step === 'remind' ? 'remindedAt' : 'escalatedAt';
    const last = stored[field];
    if (last !== undefined && (everyMs === undefined || last > nowMs - everyMs)) return undefined;
    const record: ApprovalRecord = { ...stored, [field]: nowMs };
    this.records.set(approvalId, record);
    return record;
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

  clear(): void {
    this.records.clear();
    this.pendingByKey.clear();
    this.grantsByAgent.clear();
    this.pendingByHolder.clear();
    this.cursor = undefined;
  }

  /** Pending records of one holder now; drops ids that were decided, expired or forgotten. O(maxPending). */
  private pendingOf(holder: string, nowMs: number): number {
    const ids = this.pendingByHolder.get(holder);
    if (!ids) return 0;
    for (const id of ids) {
      const record = this.records.get(id);
      if (!record || withDerivedStatus(record, nowMs).status !== 'pending') ids.delete(id);
    }
    if (ids.size === 0) this.pendingByHolder.delete(holder);
    return ids.size;
  }

  /**
   * Advances the clock hand `steps` steps (a step is a record, or the wrap back to the first),
   * forgetting the records past their retention, and returns how many records it looked at. The
   * only sweep there is — on creates a few steps, on the timer a few thousand — so no caller ever
   * walks every record.
   */
  sweepSome(nowMs: number, steps: number): number {
    let looked = 0;
    for (let i = 0; i < steps && this.records.size > 0; i++) {
      this.cursor ??= this.records.entries();
      const next = this.cursor.next();
      if (next.done === true) {
        this.cursor = undefined;
        continue;
      }
      looked++;
      const [id, record] = next.value;
      if (approvalRetainUntil(record, this.options.retentionMs) <= nowMs) this.forget(id, record);
    }
    return looked;
  }

  private forget(id: string, record: ApprovalRecord): void {
    this.records.delete(id);
    this.unmarkPending(id, record);
    const grants = this.grantsByAgent.get(record.agentId);
    if (grants?.delete(id) && grants.size === 0) this.grantsByAgent.delete(record.agentId);
  }

  /** The record no longer counts as pending: free its request key and its holders' slots. */
  private unmarkPending(id: string, record: ApprovalRecord): void {
    if (this.pendingByKey.get(record.requestKey) === id) this.pendingByKey.delete(record.requestKey);
    for (const holder of holdersOf(record)) {
      const ids = this.pendingByHolder.get(holder);
      if (ids?.delete(id) && ids.size === 0) this.pendingByHolder.delete(holder);
    }
  }
}

/** Whose caps a record counts against: its agent and, when it names one, its initiator. */
function holdersOf(record: ApprovalRecord): string[] {
  return record.initiator === undefined ? [`a:${record.agentId}`] : [`a:${record.agentId}`, `i:${record.initiator}`];
}
