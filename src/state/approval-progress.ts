/**
 * How far an approval is from its decision (docs/design.md §6, issue 12 item 3). Derived from the
 * stored votes and rules, never stored twice, so the memory store decides with exactly the
 * function the views and the Slack message show; the Redis vote script keeps per-rule counters
 * that the shared contract suite holds to the same answers.
 */
import type { ApprovalRecord, ApprovalRule } from './approval-record.js';

/** One rule's progress: who of its approvers approved, and whether its quorum is met. */
export interface RuleProgress {
  readonly ruleId: string;
  readonly quorum: number;
  /** Principals listed by this rule who voted approve, in vote order. */
  readonly approvedBy: readonly string[];
  readonly met: boolean;
}

/** Approve votes, in vote order. */
export function approvingPrincipals(record: ApprovalRecord): string[] {
  return record.votes.filter((vote) => vote.decision === 'approve').map((vote) => vote.principal);
}

/**
 * Each rule's progress; empty for a record without rules (break-glass, or raised before rule
 * sets). An approve counts toward a rule that lists the voter, or whose escalation names the
 * voter and was open when the vote was cast (issue 17 item 2).
 */
export function ruleProgress(record: ApprovalRecord): RuleProgress[] {
  const approving = record.votes.filter((vote) => vote.decision === 'approve');
  return (record.rules ?? []).map((rule: ApprovalRule) => {
    const approvedBy = approving.filter((vote) => countsToward(record, rule, vote.principal, vote.at)).map((vote) => vote.principal);
    return { ruleId: rule.ruleId, quorum: rule.quorum, approvedBy, met: approvedBy.length >= rule.quorum };
  });
}

/** Whether `principal`'s approve at `atMs` counts toward `rule`: listed, or escalated to and the escalation open. */
export function countsToward(record: Pick<ApprovalRecord, 'createdAt'>, rule: ApprovalRule, principal: string, atMs: number): boolean {
  if (rule.approvers.includes(principal)) return true;
  return rule.escalateAfterMs !== undefined && atMs >= record.createdAt + rule.escalateAfterMs && rule.escalateTo?.includes(principal) === true;
}

/**
 * Whether the approvals so far approve the record: when it covers rules, every rule's quorum
 * from that rule's own approvers — so a finance approver's click cannot stand in for the
 * security approvers a second rule asks for; otherwise (break-glass, records raised before rule
 * sets) `quorum` distinct approvals.
 */
export function quorumMet(record: ApprovalRecord): boolean {
  if (record.rules && record.rules.length > 0) return ruleProgress(record).every((rule) => rule.met);
  return approvingPrincipals(record).length >= record.quorum;
}

/** The sorted, distinct rule ids an approval covers: what its override token binds. */
export function ruleSetOf(record: Pick<ApprovalRecord, 'rules' | 'ruleId'>): string[] {
  const ids = record.rules ? record.rules.map((rule) => rule.ruleId) : record.ruleId === undefined ? [] : [record.ruleId];
  return sortedRuleIds(ids);
}

/** Distinct rule ids in code-unit order (the same order on every replica, whatever its locale). */
export function sortedRuleIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
