import type { ApprovalRecord, FollowUpStep } from '../state/approval-record.js';

/**
 * Where approvers are told about approvals (Slack, or nowhere: the embedded default uses the
 * HTTP API alone). Calls happen after the Check has answered and are never awaited on the
 * request path; implementations handle and log their own errors and never reject.
 */
export interface ApprovalNotifier {
  /** Posts the message for a new approval — or queues or drops it under the channel post rate; resolves once handed over. */
  announce(record: ApprovalRecord): Promise<void>;
  /** Re-renders an approval's message from its latest stored state (votes, outcome, expiry). */
  refresh(approvalId: string): Promise<void>;
  /**
   * Tells the approvers of a reminder (those who have not voted) or of the escalation (the
   * `escalate_to` list), once this replica has claimed it (issue 17 item 2).
   */
  followUp(record: ApprovalRecord, step: FollowUpStep): Promise<void>;
  /** Re-renders messages of approvals that expired since the last sweep (also on a timer). */
  sweep(): Promise<void>;
  /**
   * Releases timers and waits (up to `graceMs`) for the posts and updates under way, so that a
   * stop does not close the state store under a message being linked to its record.
   */
  close(graceMs: number): Promise<void>;
}

/** The notifier without Slack: approvers list pending approvals over the HTTP API. */
export const NO_NOTIFIER: ApprovalNotifier = Object.freeze({
  announce: () => Promise.resolve(),
  refresh: () => Promise.resolve(),
  followUp: () => Promise.resolve(),
  sweep: () => Promise.resolve(),
  close: () => Promise.resolve(),
});
