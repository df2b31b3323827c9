import type { DutyActor } from '../policy/duty-conflict.js';
import type { DutyStep, LedgerEntry } from '../policy/types.js';
import type { ReplaySpace } from './key-parts.js';
import type { ApprovalRecord, ApprovalStatus, ApprovalVote, AuditHead, AuditLink, CancelResult, FollowUpStep, VoteResult } from './approval-record.js';

export type { DutyActor } from '../policy/duty-conflict.js';
export type { ReplaySpace } from './key-parts.js';

/**
 * Everything stateful dutygate keeps, behind one small interface with two drivers: `memory`
 * (embedded default, one replica) and `redis` (shared by every replica). Each method is atomic
 * on its own — drivers never read-modify-write across an await — and fails by throwing a
 * `DutygateError` (`STATE_UNAVAILABLE`, `REPLAY_CAPACITY`), which the Check path turns into a
 * fast deny.
 */
export interface StateStore {
  /** Driver name, for logs and `/readyz`. */
  readonly driver: 'memory' | 'redis';

  /**
   * Spends a token id exactly once within its keyspace (atomic set-if-absent). Resolves `true`
   * for the one caller that claimed it, `false` for every later one, until `expiresAtMs` has
   * passed. Agent-token ids are spent per issuer; single-use override tokens (docs/design.md §6) in a
   * space of their own, so no agent token, whatever its `jti`, can spend someone's override.
   */
  claimJti(space: ReplaySpace, jti: string, expiresAtMs: number, nowMs: number): Promise<boolean>;

  /**
   * Ledger entries recorded for the resources of these steps (any step, any actor), oldest
   * first. There is one entry per (duty, resource, step, agent, initiator): repeating a step
   * refreshes its `at` rather than adding an entry.
   */
  readLedger(steps: readonly DutyStep[], nowMs: number): Promise<LedgerEntry[]>;

  /**
   * Records that `actor` performed `steps`, unless one of them conflicts with the ledger (the
   * same actor already performed another distinct step of the same duty and resource). Check
   * and record are one atomic step, so two replicas cannot both pass a conflicting pair.
   * Resolves the conflicting entry (and records nothing), or undefined once recorded.
   */
  commitDutySteps(steps: readonly DutyStep[], actor: DutyActor, nowMs: number): Promise<LedgerEntry | undefined>;

  // --- approvals (docs/design.md §6); see approval-record.ts ------------------------------------

  /**
   * Creates an approval unless a pending, unexpired one with the same `requestKey` exists, in
   * which case that one is returned with `created: false` (no second Slack message). Records
   * are kept until `expiresAt` plus a retention period (the driver's choice, ≥ 24 h) so that
   * outcomes stay readable.
   */
  createApproval(record: ApprovalRecord, nowMs: number): Promise<{ record: ApprovalRecord; created: boolean }>;

  /** The record, with `status: expired` once `expiresAt` has passed while pending. */
  getApproval(approvalId: string, nowMs: number): Promise<ApprovalRecord | undefined>;

  /** Records (newest first) with this status; bounded by `limit` (default 100). */
  listApprovals(status: ApprovalStatus, nowMs: number, limit?: number): Promise<ApprovalRecord[]>;

  /**
   * Atomically adds one vote and decides: a `deny` vote denies at once; `approve` votes from
   * distinct principals up to `quorum` approve (setting `decidedAt`, and `grantExpiresAt` for
   * break-glass). Eligibility (listed approver, not the initiator) is checked by the caller
   * before; the store enforces distinctness, closure and expiry. A principal who already voted
   * gets `duplicate` even once the record is closed.
   */
  recordVote(approvalId: string, vote: ApprovalVote, nowMs: number): Promise<VoteResult>;

  /**
   * Atomically withdraws a pending, unexpired approval: `status: cancelled`, `cancelledBy`,
   * `decidedAt`; its request key is freed (a retry asks afresh). Votes after it are `closed`.
   * Who may cancel is checked by the caller before.
   */
  cancelApproval(approvalId: string, by: string, nowMs: number): Promise<CancelResult>;

  /**
   * Atomically claims one follow-up of a pending, unexpired approval (issue 17 item 2) and stamps
   * it on the record (`remindedAt` / `escalatedAt` = `nowMs`): `remind` when the record was never
   * reminded or last reminded at least `everyMs` ago, `escalate` once (`everyMs` undefined).
   * Resolves the stamped record for the one caller, of any replica, that claimed it; undefined
   * for every other (claimed already, closed, expired, unknown). Whether the step is due since
   * `createdAt` is the caller's to check before.
   */
  claimFollowUp(approvalId: string, step: FollowUpStep, nowMs: number, everyMs?: number): Promise<ApprovalRecord | undefined>;

  /** Remembers where the notification for an approval was posted. */
  setApprovalNotification(approvalId: string, notification: { channel: string; ts: string }): Promise<void>;

  /** An approved, unexpired break-glass grant for this agent, if any. */
  activeBreakGlass(agentId: string, nowMs: number): Promise<ApprovalRecord | undefined>;

  // --- audit chain (issue 5) ----------------------------------------------------------------

  /**
   * Appends `canonicalRecord` to the tamper-evident audit chain and returns its link. Sequence
   * numbers are gap-free and the chain is one across all replicas sharing the store.
   */
  appendAudit(canonicalRecord: string): Promise<AuditLink>;

  /**
   * The newest link of the chain (seq and hash), read fresh from the store: what a signed
   * checkpoint attests and what `audit verify --head` compares a log with. Undefined while the
   * chain is empty.
   */
  auditHead(): Promise<AuditHead | undefined>;

  /** Resolves when the store answers; throws `STATE_UNAVAILABLE` otherwise. */
  ping(): Promise<void>;

  /** Releases timers and connections. */
  close(): Promise<void>;
}
