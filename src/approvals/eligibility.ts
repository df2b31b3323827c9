import { countsToward } from '../state/approval-progress.js';
import type { ApprovalRecord } from '../state/approval-record.js';

/** Why a principal's vote does not count. */
export type VoteRefusal = 'APPROVER_IS_INITIATOR' | 'APPROVER_NOT_LISTED';

/**
 * The separation-of-duties rules of a vote (docs/design.md §6), for Slack clicks and API decisions
 * alike. `principal` and the record's approvers and initiator are all already resolved through
 * `principals.aliases`, so one person's second account is the same person here.
 *
 * The initiator is checked first: the human on whose behalf the workflow runs never approves
 * it, even when listed as an approver; for a break-glass grant that is both the requester and
 * the human the covered agent serves (issue 12 item 6). The `escalate_to` principals count as
 * listed from the escalation time on (issue 17 item 2). Distinctness and closure are the
 * store's (atomic).
 */
export function voteRefusal(record: ApprovalRecord, principal: string, nowMs: number): VoteRefusal | undefined {
  if (record.initiator !== undefined && record.initiator === principal) return 'APPROVER_IS_INITIATOR';
  if (record.servedInitiator !== undefined && record.servedInitiator === principal) return 'APPROVER_IS_INITIATOR';
  if (record.approvers.includes(principal)) return undefined;
  // With rules, each rule's own escalation decides (its vote would count toward nothing else).
  if (record.rules && record.rules.length > 0) return record.rules.some((rule) => countsToward(record, rule, principal, nowMs)) ? undefined : 'APPROVER_NOT_LISTED';
  if (escalationOpen(record, nowMs) && record.escalateTo?.includes(principal) === true) return undefined;
  return 'APPROVER_NOT_LISTED';
}

/**
 * Whether the escalation approvers may vote at `nowMs`. Judged by the clock, not by whether a
 * sweeper has posted the escalation yet: a stalled sweeper must neither keep the second list
 * out past `escalate_after` nor let it in before.
 */
export function escalationOpen(record: ApprovalRecord, nowMs: number): boolean {
  return record.escalateAfterMs !== undefined && nowMs >= record.createdAt + record.escalateAfterMs;
}
