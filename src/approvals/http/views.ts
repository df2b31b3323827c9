import { ruleProgress } from '../../state/approval-progress.js';
import type { ApprovalRecord } from '../../state/approval-record.js';
import { reasonRequirementOf } from '../reason-rule.js';

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const approvals = (record: ApprovalRecord): number => record.votes.filter((vote) => vote.decision === 'approve').length;

/**
 * Every approval rule the record covers with its progress (issue 12 item 3): the record is
 * approved only when each `met`. `withClause` adds the rule's clause and approvers (approvers' view).
 */
export function rulesView(record: ApprovalRecord, withClause: boolean): Record<string, unknown>[] {
  const progress = ruleProgress(record);
  return (record.rules ?? []).map((rule, i) => ({
    rule_id: rule.ruleId,
    ...(withClause ? { clause: rule.clause?.text ?? null, source: rule.clause?.source ?? null, approvers: rule.approvers } : {}),
    quorum: rule.quorum,
    approvals: progress[i]?.approvedBy.length ?? 0,
    ...(withClause ? { approved_by: progress[i]?.approvedBy ?? [] } : {}),
    met: progress[i]?.met ?? false,
  }));
}

/**
 * What the requesting agent sees (docs/design.md §8): the status and, once approved and until it
 * expires, the single-use override token to retry with.
 */
export function agentView(record: ApprovalRecord, override: { token: string; expiresAtMs: number } | undefined): Record<string, unknown> {
  return {
    approval_id: record.approvalId,
    kind: record.kind,
    status: record.status,
    tool: record.tool ?? null,
    rule_id: record.ruleId ?? null,
    policy_version: record.policyVersion,
    approvals: approvals(record),
    quorum: record.quorum,
    ...(record.rules ? { rules: rulesView(record, false) } : {}),
    expires_at: iso(record.expiresAt),
    // Why (issue 17 item 1): the agent's owner learns the reason of a Deny. Who voted is the
    // approvers' business, not the (possibly compromised) agent's.
    votes: record.votes.map((vote) => ({ decision: vote.decision, reason: vote.reason ?? null, via: vote.via, at: iso(vote.at) })),
    reminded_at: iso(record.remindedAt),
    escalated_at: iso(record.escalatedAt),
    ...(record.status === 'cancelled' ? { cancelled_by: record.cancelledBy ?? null, cancelled_at: iso(record.decidedAt) } : {}),
    ...(record.kind === 'break_glass' ? { grant_expires_at: iso(record.grantExpiresAt) } : {}),
    ...(override ? { override_token: override.token, override_expires_at: iso(override.expiresAtMs) } : {}),
  };
}

/** What an approver sees: the request with params masked, votes, and every rule with its clause. */
export function approverView(record: ApprovalRecord): Record<string, unknown> {
  return {
    approval_id: record.approvalId,
    kind: record.kind,
    status: record.status,
    agent_id: record.agentId,
    initiator: record.initiator ?? null,
    chain: record.chain,
    tool: record.tool ?? null,
    // What an override will be bound to (issue 19 item 4); digests of query and body are not shown.
    request: record.request === undefined ? null : { method: record.request.method, host: record.request.host, path: record.request.path },
    params: record.display ?? null,
    rule_id: record.ruleId ?? null,
    clause: record.clause?.text ?? null,
    source: record.clause?.source ?? null,
    policy_version: record.policyVersion,
    // Each rule with its clause, approvers and progress; the record's approvers are all of them.
    ...(record.rules ? { rules: rulesView(record, true) } : {}),
    approvers: record.approvers,
    approvals: approvals(record),
    quorum: record.quorum,
    votes: record.votes.map((vote) => ({ principal: vote.principal, decision: vote.decision, reason: vote.reason ?? null, via: vote.via, at: iso(vote.at) })),
    require_reason: reasonRequirementOf(record),
    escalate_to: record.escalateTo ?? null,
    escalates_at: record.escalateAfterMs === undefined ? null : iso(record.createdAt + record.escalateAfterMs),
    reminded_at: iso(record.remindedAt),
    escalated_at: iso(record.escalatedAt),
    created_at: iso(record.createdAt),
    expires_at: iso(record.expiresAt),
    ...(record.status === 'cancelled' ? { cancelled_by: record.cancelledBy ?? null, cancelled_at: iso(record.decidedAt) } : {}),
    ...(record.kind === 'break_glass'
      ? { reason: record.reason ?? null, served_initiator: record.servedInitiator ?? null, grant_ttl_seconds: (record.grantTtlMs ?? 0) / 1000, grant_expires_at: iso(record.grantExpiresAt) }
      : {}),
  };
}
