import type { Logger } from '../log/logger.js';
import type { ApprovalRecord, ApprovalVote, FollowUpStep } from '../state/approval-record.js';

/**
 * What happens to approvals, for the audit trail (docs/design.md §7: approval request, each approver's
 * click and override redemption are spans linked to the check span). This is the hook the
 * telemetry module implements; {@link createLogApprovalEvents} is the default, a log line each.
 * Implementations must not throw and must not block: they are called on the request path.
 */
export interface ApprovalEvents {
  /** A new approval record (not a repeat of a pending one). */
  created(record: ApprovalRecord): void;
  /** A click or API decision, whatever came of it (`refused:<CODE>` when not counted). */
  vote(approvalId: string, vote: Pick<ApprovalVote, 'principal' | 'decision' | 'via' | 'reason'>, outcome: string, record?: ApprovalRecord): void;
  /** The record reached approved or denied. */
  decided(record: ApprovalRecord): void;
  /** This replica claimed a reminder or the escalation of a pending approval (once per interval fleet-wide). */
  followedUp(step: FollowUpStep, record: ApprovalRecord): void;
  /** An override token lifted an approval_needed outcome in the check `decisionId`. */
  overrideRedeemed(approvalId: string, check: { readonly decisionId: string; readonly agentId: string }, record?: ApprovalRecord): void;
  /** A break-glass grant let an approval_needed outcome through in the check `decisionId`. */
  breakGlassUsed(grant: ApprovalRecord, check: { readonly decisionId: string; readonly agentId: string }): void;
  /** One Slack Web API call finished, after its retries (`chat.postMessage`, `chat.update`, `chat.postEphemeral`, `views.open`). */
  slackCall?(method: string, ok: boolean): void;
  /** An approval's Slack message was not posted: its channel was over `slack.post_rate` with a full queue. */
  slackPostDropped?(record: ApprovalRecord): void;
}

/** The default events: one structured log line each (never a token, never raw params). */
export function createLogApprovalEvents(log: Logger): ApprovalEvents {
  const base = (record: ApprovalRecord) => ({ approval_id: record.approvalId, kind: record.kind, agent_id: record.agentId, rule_id: record.ruleId, policy_version: record.policyVersion });
  return {
    created: (record) => log.info({ ...base(record), decision_id: record.decisionId, expires_at: new Date(record.expiresAt).toISOString() }, 'approval requested'),
    vote: (approvalId, vote, outcome) => log.info({ approval_id: approvalId, principal: vote.principal, vote: vote.decision, via: vote.via, outcome, reason: vote.reason }, 'approval vote'),
    decided: (record) => log.info({ ...base(record), status: record.status, votes: record.votes.length, latency_ms: (record.decidedAt ?? record.createdAt) - record.createdAt }, 'approval decided'),
    followedUp: (step, record) => log.info({ ...base(record), step, reminded_at: record.remindedAt, escalated_at: record.escalatedAt }, step === 'remind' ? 'approval reminder' : 'approval escalated'),
    overrideRedeemed: (approvalId, check) => log.info({ approval_id: approvalId, decision_id: check.decisionId, agent_id: check.agentId }, 'override token redeemed'),
    breakGlassUsed: (grant, check) => log.warn({ approval_id: grant.approvalId, decision_id: check.decisionId, agent_id: check.agentId, grant_expires_at: new Date(grant.grantExpiresAt ?? 0).toISOString() }, 'break-glass grant used'),
  };
}
