import type { Span } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import type { DecisionRecord } from '../audit/decision-record.js';
import type { CheckOutcome } from '../check/outcome.js';
import { CODES } from '../errors.js';
import { addToolAttributes, ATTR_ERROR_TYPE, type AttributeSink } from './semconv.js';

/**
 * Sets the `dutygate.check` span attributes (docs/design.md §7 and the README's table). Only what
 * the decision record holds, so nothing the record hides (raw params, tokens) reaches a span.
 * Beside dutygate's own names, the semantic conventions' (README "Semantic conventions"):
 * GenAI agent and tool, MCP method and JSON-RPC id, and `error.type` = the reason code when the
 * gate itself failed (a 503 code) — never for a policy deny, which is the gate working. The
 * RPC attributes are constant and set when the span starts (see check-audit.ts). Absent (null)
 * values are left out.
 *
 * Set one by one on the span rather than gathered into an object first: this runs for every
 * Check, and the intermediate objects were garbage the span copies anyway.
 */
export function setCheckAttributes(span: AttributeSink, outcome: CheckOutcome, record: DecisionRecord): void {
  span.setAttribute('dutygate.decision_id', record.decision_id);
  span.setAttribute('dutygate.decision', record.decision);
  span.setAttribute('dutygate.code', record.code);
  span.setAttribute('dutygate.shadow', record.shadow);
  span.setAttribute('dutygate.would_block', record.would_block);
  // The SDK copies array values, so the record's own chain is never shared with the span.
  span.setAttribute('agent.chain', record.chain as string[]);
  span.setAttribute('http.request.method', record.method);
  span.setAttribute('server.address', record.host);
  span.setAttribute('url.path', record.path);
  optional(span, 'agent.id', record.agent_id);
  optional(span, 'agent.parent_id', record.parent_agent_id);
  optional(span, 'agent.initiator', record.initiator);
  optional(span, 'jwt.jti', record.jti);
  optional(span, 'dutygate.tool', record.tool);
  optional(span, 'dutygate.rule_id', record.rule_id);
  optional(span, 'dutygate.clause', record.clause);
  optional(span, 'dutygate.clause.source', outcome.clause?.source ?? null);
  optional(span, 'dutygate.policy_version', record.policy_version);
  optional(span, 'dutygate.approval_id', record.approval_id);
  optional(span, 'dutygate.would_block_code', record.would_block_code);
  optional(span, 'dutygate.params_hash', record.params_hash);
  optional(span, 'dutygate.reason', record.reason);
  optional(span, 'url.query', record.query === '' ? null : record.query);
  addToolAttributes(span, record.agent_id, record.tool, outcome.jsonrpcId);
  if (CODES[record.code].http === 503) span.setAttribute(ATTR_ERROR_TYPE, record.code);
}

function optional(span: AttributeSink, key: string, value: string | null): void {
  if (value !== null) span.setAttribute(key, value);
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
