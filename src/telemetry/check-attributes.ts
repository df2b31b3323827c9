import type { Attributes, Span } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import type { DecisionRecord } from '../audit/decision-record.js';
import type { CheckOutcome } from '../check/outcome.js';
import { CODES } from '../errors.js';
import { addToolAttributes, ATTR_ERROR_TYPE } from './semconv.js';

/**
 * The `dutygate.check` span attributes (docs/design.md §7 and the README's table). Only what the
 * decision record holds, so nothing the record hides (raw params, tokens) reaches a span.
 * Beside dutygate's own names, the semantic conventions' (README "Semantic conventions"):
 * GenAI agent and tool, MCP method and JSON-RPC id, and `error.type` = the reason code when the
 * gate itself failed (a 503 code) — never for a policy deny, which is the gate working. The
 * RPC attributes are constant and set when the span starts (see check-audit.ts).
 */
export function checkAttributes(outcome: CheckOutcome, record: DecisionRecord): Attributes {
  const attributes: Attributes = {
    'dutygate.decision_id': record.decision_id,
    'dutygate.decision': record.decision,
    'dutygate.code': record.code,
    'dutygate.shadow': record.shadow,
    'dutygate.would_block': record.would_block,
    'agent.chain': [...record.chain],
    'http.request.method': record.method,
    'server.address': record.host,
    'url.path': record.path,
  };
  const optional: Record<string, string | null> = {
    'agent.id': record.agent_id,
    'agent.parent_id': record.parent_agent_id,
    'agent.initiator': record.initiator,
    'jwt.jti': record.jti,
    'dutygate.tool': record.tool,
    'dutygate.rule_id': record.rule_id,
    'dutygate.clause': record.clause,
    'dutygate.clause.source': outcome.clause?.source ?? null,
    'dutygate.policy_version': record.policy_version,
    'dutygate.approval_id': record.approval_id,
    'dutygate.would_block_code': record.would_block_code,
    'dutygate.params_hash': record.params_hash,
    'dutygate.reason': record.reason,
    'url.query': record.query === '' ? null : record.query,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== null) attributes[key] = value;
  addToolAttributes(attributes, record.agent_id, record.tool, outcome.jsonrpcId);
  if (CODES[record.code].http === 503) attributes[ATTR_ERROR_TYPE] = record.code;
  return attributes;
}

/**
 * Span events and status: one event naming the phase that denied (or would have, in shadow) —
 * the pipeline's own value, never guessed from the code — and
 * ERROR status when the gate itself failed (a 503 code: state, keys, policy, internal) — a
 * policy deny is the gate working, not an error.
 */
export function markOutcome(span: Span, outcome: CheckOutcome, record: DecisionRecord): void {
  if (outcome.decision === 'deny' || outcome.decision === 'approval_needed') {
    span.addEvent(`dutygate.${outcome.decision}`, {
      'dutygate.phase': outcome.phase,
      'dutygate.code': outcome.code,
      // The record's reason: values of params the policy does not let us record are taken out.
      ...(record.reason === null ? {} : { 'dutygate.reason': record.reason }),
    });
  } else if (outcome.wouldBlock) {
    span.addEvent('dutygate.would_block', { 'dutygate.phase': outcome.phase, 'dutygate.code': outcome.wouldBlockCode ?? 'OK' });
  }
  if (CODES[outcome.code].http === 503) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.code });
}
