/**
 * Who a reminder or an escalation addresses (issue 17 item 2), independent of where it is sent:
 * a reminder the approvers who have not voted yet (the escalation list too once it is open), an
 * escalation the `escalate_to` list. The initiator is never asked: they may not vote.
 */
import type { ApprovalRecord, FollowUpStep } from '../state/approval-record.js';
import { escalationOpen } from './eligibility.js';

/** The resolved principals a follow-up asks to vote, in list order, without repeats. */
export function followUpAddressees(record: ApprovalRecord, step: FollowUpStep, nowMs: number): string[] {
  const voted = new Set(record.votes.map((vote) => vote.principal));
  const escalated = step === 'escalate' || escalationOpen(record, nowMs) ? (record.escalateTo ?? []) : [];
  const pool = step === 'escalate' ? escalated : [...record.approvers, ...escalated];
  return [...new Set(pool)].filter((principal) => !voted.has(principal) && principal !== record.initiator && principal !== record.servedInitiator);
}
