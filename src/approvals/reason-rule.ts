import type { ReasonRequirement } from '../policy/types.js';
import type { ApprovalRecord } from '../state/approval-record.js';

/** Longest reason kept with a vote (API field, Slack modal input). */
export const MAX_REASON_LENGTH = 1_000;

/** What a record without `requireReason` asks (records made before issue 17, break-glass): the policy default. */
const DEFAULT_REQUIREMENT: ReasonRequirement = 'deny';

/** The record's reason requirement, with the default filled in. */
export function reasonRequirementOf(record: ApprovalRecord): ReasonRequirement {
  return record.requireReason ?? DEFAULT_REQUIREMENT;
}

/** Whether a `decision` vote on `record` must carry a reason (`approval.require_reason`, issue 17 item 1). */
export function reasonRequired(record: ApprovalRecord, decision: 'approve' | 'deny'): boolean {
  const requirement = reasonRequirementOf(record);
  return requirement === 'both' || requirement === decision;
}

/**
 * A reason as kept: trimmed, and undefined when nothing is left — whitespace is no reason, and
 * a Slack modal or an API client must not satisfy the rule with a space.
 */
export function normalizeReason(reason: string | undefined): string | undefined {
  const trimmed = reason?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
