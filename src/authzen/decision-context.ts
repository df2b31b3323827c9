/**
 * CheckOutcome → AuthZEN Access Evaluation Response (`{decision, context}`). The context carries
 * what the Envoy deny body carries (code, clause, source, decision_id, policy_version), so a PEP
 * can answer its caller the same way Envoy would. approval_needed is a `false` decision with a
 * requestable denial (AuthZEN Access Request and Approval Profile, draft-mcguinness-authzen-
 * access-request): dutygate has already opened the approval, so the task handle is in the
 * denial itself and no separate submission is needed.
 */
import { STRIPPED_HEADERS } from '../authz/build-response.js';
import type { CheckOutcome } from '../check/outcome.js';
import { CODES } from '../errors.js';

/** One AuthZEN decision. */
export interface AuthzenDecision {
  readonly decision: boolean;
  readonly context: Record<string, unknown>;
}

/** The decision for a finished Check. */
export function toAuthzenDecision(outcome: CheckOutcome, nowMs: number): AuthzenDecision {
  const context: Record<string, unknown> = {
    decision_id: outcome.decisionId,
    ...(outcome.policyVersion === undefined ? {} : { policy_version: outcome.policyVersion }),
    dutygate_decision: outcome.decision,
    code: outcome.code,
    // The status Envoy would have answered the agent with, for a PEP that mirrors it.
    http_status: CODES[outcome.code].http,
    ...(outcome.agentId === undefined ? {} : { agent_id: outcome.agentId }),
    ...(outcome.chain === undefined || outcome.chain.length === 0 ? {} : { chain: outcome.chain }),
    ...(outcome.tool === undefined ? {} : { tool: outcome.tool }),
    ...(outcome.ruleId === undefined ? {} : { rule_id: outcome.ruleId }),
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    ...(outcome.clause === undefined ? {} : { clause: outcome.clause.text, clause_name: outcome.clause.name, source: outcome.clause.source }),
    ...(outcome.shadow ? { shadow: true } : {}),
    ...(outcome.wouldBlock ? { would_block: true, ...(outcome.wouldBlockCode === undefined ? {} : { would_block_code: outcome.wouldBlockCode }) } : {}),
  };
  if (outcome.decision === 'allow' || outcome.decision === 'sanitize') {
    return { decision: true, context: { ...context, request_changes: requestChanges(outcome) } };
  }
  if (outcome.decision === 'approval_needed' && outcome.approvalId !== undefined) {
    return { decision: false, context: { ...context, ...requestableDenial(outcome, nowMs) } };
  }
  return { decision: false, context };
}

/** What Envoy's ok_response would do to the request, for the PEP to do the same. */
function requestChanges(outcome: CheckOutcome): Record<string, unknown> {
  const changes = outcome.changes;
  const setHeaders: Record<string, string> = { ...changes?.setHeaders };
  if (outcome.agentId !== undefined) setHeaders['x-agent-id'] = outcome.agentId;
  if (outcome.parentAgentId !== undefined) setHeaders['x-parent-agent-id'] = outcome.parentAgentId;
  setHeaders['x-dutygate-decision-id'] = outcome.decisionId;
  const removeHeaders = [...STRIPPED_HEADERS, ...(changes?.removeHeaders ?? []), ...(outcome.parentAgentId === undefined ? ['x-parent-agent-id'] : [])];
  return {
    set_headers: setHeaders,
    remove_headers: removeHeaders,
    ...(changes && Object.keys(changes.setQuery).length > 0 ? { set_query: changes.setQuery } : {}),
    ...(changes && changes.removeQuery.length > 0 ? { remove_query: changes.removeQuery } : {}),
  };
}

/** The Access Request profile's requestable denial, with the already opened approval as its task. */
function requestableDenial(outcome: CheckOutcome, nowMs: number): Record<string, unknown> {
  const expiresAt = outcome.approvalExpiresAt === undefined ? undefined : new Date(outcome.approvalExpiresAt).toISOString();
  return {
    evaluation_id: outcome.decisionId,
    evaluated_at: new Date(nowMs).toISOString(),
    approval_id: outcome.approvalId,
    ...(outcome.statusUrl === undefined ? {} : { status_url: outcome.statusUrl }),
    ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
    access_request: {
      requestable: true,
      reason: 'approval_required',
      ...(outcome.ruleId === undefined ? {} : { template: outcome.ruleId }),
      ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
      task: {
        id: outcome.approvalId,
        status: 'pending',
        ...(outcome.statusUrl === undefined ? {} : { status_endpoint: outcome.statusUrl }),
        ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
      },
    },
  };
}
