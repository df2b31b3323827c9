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
 * the human the covered agent serves (issue 12 item 6). Distinctness and closure are the
 * store's (atomic).
 */
export function voteRefusal(record: ApprovalRecord, principal: string): VoteRefusal | undefined {
  if (record.initiator !== undefined && record.initiator === principal) return 'APPROVER_IS_INITIATOR';
  if (record.servedInitiator !== undefined && record.servedInitiator === principal) return 'APPROVER_IS_INITIATOR';
  if (!record.approvers.includes(principal)) return 'APPROVER_NOT_LISTED';
  return undefined;
}
