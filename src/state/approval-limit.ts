import { CONFIG_DEFAULTS } from '../config/defaults.js';
import { DutygateError } from '../errors.js';

/** Default of `limits.max_pending_approvals` (config/defaults.ts): pending approvals per agent and per initiator. */
export const DEFAULT_MAX_PENDING_APPROVALS = CONFIG_DEFAULTS.limits.maxPendingApprovals;

/** Who reached the cap: the requesting agent, or the human it acts for. */
export type ApprovalLimitHolder = 'agent' | 'initiator';

/**
 * The deny for a fresh approval beyond the cap (issue 12 item 5). Both drivers throw exactly
 * this, so memory and Redis answer the same code and sentence.
 */
export function approvalLimitError(holder: ApprovalLimitHolder, cap: number): DutygateError {
  const who = holder === 'agent' ? 'this agent' : "this call's initiator";
  return DutygateError.expected('APPROVAL_LIMIT', `${who} already has ${cap} approvals pending; wait until one is decided or expires, or cancel one`);
}
