import type { ClauseRef, ReasonRequirement } from '../policy/types.js';

/**
 * Lifecycle of an approval. `expired` is derived from `expiresAt` by the store on read;
 * `cancelled`: withdrawn while pending by the requesting agent or the initiator (issue 17).
 */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';

/** One approver's click or API decision. */
export interface ApprovalVote {
  /** Resolved principal (after `principals.aliases`), e.g. `sso:alice`. */
  readonly principal: string;
  readonly decision: 'approve' | 'deny';
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly reason?: string;
  /** Where the vote came from. */
  readonly via: 'slack' | 'api';
}

/**
 * The HTTP request an approver was shown (issue 19 item 4): an override token lifts only a retry
 * of this very request, not merely one with the same params.
 */
export interface RequestBinding {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Host, lower-case, without port. */
  readonly host: string;
  /** Path without the query string, as sent. */
  readonly path: string;
  /** sha256 (hex) of the raw query string (empty when none). */
  readonly querySha256: string;
  /** sha256 (hex) of the raw body bytes (of zero bytes when none). */
  readonly bodySha256: string;
}

/**
 * One approval rule an approval covers (issue 12 item 3): a call that matched several
 * approval_needed rules needs each rule's quorum from that rule's approvers.
 */
export interface ApprovalRule {
  readonly ruleId: string;
  /** The rule's clause, quoted to its approvers. */
  readonly clause?: ClauseRef;
  /** Resolved principals (after `principals.aliases`) whose approve counts toward this rule. */
  readonly approvers: readonly string[];
  readonly quorum: number;
  /** From `createdAt + escalateAfterMs`, the votes of these (resolved) principals count toward this rule too. */
  readonly escalateAfterMs?: number;
  readonly escalateTo?: readonly string[];
}

/**
 * A request for human approval (docs/design.md §6), bound to exactly what was asked: the agent and its
 * attested chain, the tool, the canonical params hash, the HTTP request, the rule, the policy
 * version and the deployment. `kind: break_glass` is a
 * time-boxed grant request for one agent instead of one call.
 */
export interface ApprovalRecord {
  readonly approvalId: string;
  readonly kind: 'call' | 'break_glass';
  /**
   * Deduplication key: a hash over agent, chain, initiator, tool, params hash, request, rule,
   * policy version and deployment (call) or
   * agent and reason (break-glass). A repeat of a pending request returns the same record.
   */
  readonly requestKey: string;
  readonly status: ApprovalStatus;
  readonly agentId: string;
  readonly initiator?: string;
  /** Attested chain agent ids, root first. */
  readonly chain: readonly string[];
  readonly tool?: string;
  /** sha256 (hex) of the canonical params (absent for break-glass). */
  readonly paramsHash?: string;
  /** Calls only: the request the approver saw (absent on records made before issue 19 item 4). */
  readonly request?: RequestBinding;
  /** Calls only: `overrides.deployment` of the gate that raised it; its override token is good there only. */
  readonly deployment?: string;
  /** The deciding (first) approval rule and its clause; `rules` lists every one. */
  readonly ruleId?: string;
  readonly clause?: ClauseRef;
  readonly policyVersion: string;
  /**
   * Calls: every approval_needed rule the call matched, in policy order (the override token
   * binds their sorted ids). The record is approved only when each rule's quorum is met, one
   * approve counting toward every rule that lists the voter (src/state/approval-progress.ts). Absent on break-glass
   * records and on calls raised before issue 12 item 3: then `approvers` and `quorum` alone decide.
   */
  readonly rules?: readonly ApprovalRule[];
  /** Resolved principals allowed to vote: every rule's approvers. */
  readonly approvers: readonly string[];
  /** Distinct approvals needed at least (with `rules`: the largest rule quorum). */
  readonly quorum: number;
  /** Which votes must say why (`approval.require_reason`); absent (older records, break-glass): `deny`. */
  readonly requireReason?: ReasonRequirement;
  /** Calls only: remind the approvers who have not voted this long after `createdAt`, then every interval. */
  readonly remindAfterMs?: number;
  /** Calls only: from `createdAt + escalateAfterMs` the principals of `escalateTo` (resolved) may vote too. */
  readonly escalateAfterMs?: number;
  readonly escalateTo?: readonly string[];
  /** When the latest reminder was claimed (one per interval across replicas). */
  readonly remindedAt?: number;
  /** When the escalation was claimed and posted (once). */
  readonly escalatedAt?: number;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Break-glass only: why, and how long the grant lasts once approved. */
  readonly reason?: string;
  readonly grantTtlMs?: number;
  /** Break-glass only: when the approved grant ends. */
  readonly grantExpiresAt?: number;
  /**
   * Break-glass only: the human the covered agent acts for (resolved through the aliases; issue
   * 12 item 6). They may not approve the grant, and it lifts only calls made on their behalf;
   * absent, it lifts only calls that name no initiator.
   */
  readonly servedInitiator?: string;
  readonly votes: readonly ApprovalVote[];
  readonly decidedAt?: number;
  /** Who cancelled it (`agent:<agent_id>` or the initiator's principal); set with `status: cancelled`. */
  readonly cancelledBy?: string;
  /** The check that raised it (for span links and the audit record). */
  readonly decisionId?: string;
  readonly traceparent?: string;
  /** Where the notification was posted (Slack channel and message ts), once posted. */
  readonly notification?: { readonly channel: string; readonly ts: string };
  /** Masked params for display (never raw secrets). */
  readonly display?: Readonly<Record<string, unknown>>;
}

/** A follow-up of a pending approval: a reminder, or the escalation to `escalateTo`. */
export type FollowUpStep = 'remind' | 'escalate';

/** What `recordVote` did. */
export type VoteResult =
  | { readonly outcome: 'recorded'; readonly record: ApprovalRecord }
  /** The same principal already voted: nothing changes (clicks are idempotent). */
  | { readonly outcome: 'duplicate'; readonly record: ApprovalRecord }
  /** Already approved, denied or expired: nothing changes. */
  | { readonly outcome: 'closed'; readonly record: ApprovalRecord }
  | { readonly outcome: 'not_found' };

/** What `cancelApproval` did. */
export type CancelResult =
  | { readonly outcome: 'cancelled'; readonly record: ApprovalRecord }
  /** Already approved, denied, expired or cancelled: nothing changes. */
  | { readonly outcome: 'closed'; readonly record: ApprovalRecord }
  | { readonly outcome: 'not_found' };

/** One link of the tamper-evident audit chain. */
export interface AuditLink {
  /** 1, 2, 3 … per chain, with no gaps. */
  readonly seq: number;
  /** hex sha256(previous hash + "\n" + canonical record); the first link's previous hash is 64 zeros. */
  readonly hash: string;
  readonly prevHash: string;
}

/** The newest link of an audit chain: its seq and hash. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}
