import type { ApprovalRecord } from '../state/approval-record.js';
import { DECISION_RECORD_VERSION, type ApprovalEventKind, type ApprovalEventRecord } from './decision-record.js';

/**
 * One approval event as the approvals code reports it (camelCase; the audit record is built
 * from it). Every field but `kind` and `approvalId` is optional; give what is known.
 */
export interface ApprovalEvent {
  readonly kind: ApprovalEventKind;
  readonly approvalId: string;
  /** When it happened, milliseconds since the epoch (default: now). */
  readonly at?: number;
  /** The check that raised the approval (`created`) or redeemed / used it. */
  readonly decisionId?: string;
  readonly approvalKind?: 'call' | 'break_glass';
  readonly agentId?: string;
  readonly initiator?: string;
  readonly tool?: string;
  readonly paramsHash?: string;
  readonly ruleId?: string;
  /** Clause name. */
  readonly clause?: string;
  readonly policyVersion?: string;
  /** `vote`: the approver's resolved principal, the vote and where it came from. */
  readonly principal?: string;
  readonly vote?: 'approve' | 'deny';
  readonly via?: 'slack' | 'api';
  /** The approval's status after the event (`outcome`: approved / denied / expired). */
  readonly status?: string;
  /** An approver's or break-glass requester's free text. */
  readonly reason?: string;
  /** `outcome`: when the approval was requested, for the approval latency histogram. */
  readonly createdAt?: number;
  /** The check span that raised the approval (`ApprovalRecord.traceparent`): the span link. */
  readonly link?: { readonly traceparent: string; readonly tracestate?: string };
  /** The trace of the request carrying this event (a Slack or API request), if any. */
  readonly parent?: { readonly traceparent: string; readonly tracestate?: string };
}

/** The event for `kind` about `record`, with `extra` (e.g. the vote, the redeeming check). */
export function approvalEventOf(kind: ApprovalEventKind, record: ApprovalRecord, extra: Partial<ApprovalEvent> = {}): ApprovalEvent {
  return {
    kind,
    approvalId: record.approvalId,
    approvalKind: record.kind,
    agentId: record.agentId,
    policyVersion: record.policyVersion,
    status: record.status,
    createdAt: record.createdAt,
    ...(record.initiator === undefined ? {} : { initiator: record.initiator }),
    ...(record.tool === undefined ? {} : { tool: record.tool }),
    ...(record.paramsHash === undefined ? {} : { paramsHash: record.paramsHash }),
    ...(record.ruleId === undefined ? {} : { ruleId: record.ruleId }),
    ...(record.clause === undefined ? {} : { clause: record.clause.name }),
    ...(record.decisionId === undefined ? {} : { decisionId: record.decisionId }),
    ...(record.traceparent === undefined ? {} : { link: { traceparent: record.traceparent } }),
    ...extra,
  };
}

/**
 * The reason behind an outcome (issue 17 item 1): the Deny's, or the reason given with the
 * approve vote that reached the quorum. Undefined when that vote gave none.
 */
export function decidingReason(record: ApprovalRecord): string | undefined {
  if (record.status === 'denied') return record.votes.find((vote) => vote.decision === 'deny')?.reason;
  if (record.status === 'approved') return record.votes.filter((vote) => vote.decision === 'approve').at(-1)?.reason;
  return undefined;
}

/** The audit record (without chain stamp) of one approval event. */
export function buildApprovalEventRecord(
  event: ApprovalEvent,
  atMs: number,
  spans: { traceId?: string; spanId?: string; linkTraceId?: string; linkSpanId?: string } = {},
): ApprovalEventRecord {
  return {
    v: DECISION_RECORD_VERSION,
    type: 'approval',
    event: event.kind,
    approval_id: event.approvalId,
    time: new Date(atMs).toISOString(),
    decision_id: event.decisionId ?? null,
    approval_kind: event.approvalKind ?? null,
    agent_id: event.agentId ?? null,
    initiator: event.initiator ?? null,
    tool: event.tool ?? null,
    params_hash: event.paramsHash ?? null,
    rule_id: event.ruleId ?? null,
    clause: event.clause ?? null,
    policy_version: event.policyVersion ?? null,
    principal: event.principal ?? null,
    vote: event.vote ?? null,
    via: event.via ?? null,
    status: event.status ?? null,
    reason: event.reason ?? null,
    trace_id: spans.traceId ?? null,
    span_id: spans.spanId ?? null,
    link_trace_id: spans.linkTraceId ?? null,
    link_span_id: spans.linkSpanId ?? null,
  };
}
