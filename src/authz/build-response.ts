import { CODES, GrpcCode } from '../errors.js';
import type { DenyCode } from '../errors.js';
import type { CheckOutcome } from '../check/outcome.js';
import type {
  WireCheckResponse,
  WireHeaderValueOption,
  WireStruct,
  WireValue,
} from './wire-types.js';

/**
 * Headers that carry credentials or gate instructions for dutygate alone; the upstream tool
 * never sees them (docs/design.md §5). Every other client-sent `x-dutygate-*` header and every header a
 * rule may set are removed too, per request (`CheckOutcome.strip`, check/request-hygiene.ts).
 */
export const STRIPPED_HEADERS: readonly string[] = ['authorization', 'x-agent-chain', 'x-dutygate-override'];

/** Headers only the gate writes; a rule's `set_headers` / `remove_headers` cannot touch them. */
const IDENTITY_HEADERS: ReadonlySet<string> = new Set(['x-agent-id', 'x-parent-agent-id', 'x-dutygate-decision-id']);

/**
 * Builds the CheckResponse for `allow` and `sanitize`: gRPC status OK and an `ok_response`
 * whose mutations Envoy applies before forwarding upstream.
 *
 * The identity headers use OVERWRITE_IF_EXISTS_OR_ADD, so the agent cannot supply its own
 * `x-agent-id`; when there is no parent, `x-parent-agent-id` is removed instead, for the same
 * reason (Envoy applies `headers_to_remove` after `headers`; ext_authz filter docs,
 * "ok_response"). Rule changes naming an identity header are ignored.
 */
export function buildOkResponse(outcome: CheckOutcome): WireCheckResponse {
  const changes = outcome.changes;
  const headers: WireHeaderValueOption[] = [];
  const remove = [...STRIPPED_HEADERS];
  const set = new Set<string>();
  if (changes) {
    for (const name of Object.keys(changes.setHeaders)) {
      if (IDENTITY_HEADERS.has(name.toLowerCase())) continue;
      headers.push(overwrite(name, changes.setHeaders[name] ?? ''));
      set.add(name.toLowerCase());
    }
    for (const name of changes.removeHeaders) {
      if (!IDENTITY_HEADERS.has(name.toLowerCase())) remove.push(name);
    }
  }
  // Envoy applies headers_to_remove after headers: a name this decision sets must not be listed.
  for (const name of outcome.strip?.headers ?? []) {
    if (!set.has(name) && !IDENTITY_HEADERS.has(name) && !remove.includes(name)) remove.push(name);
  }
  const setQuery = changes?.setQuery ?? {};
  const removeQuery = [...(changes?.removeQuery ?? []), ...(outcome.strip?.query ?? []).filter((key) => !Object.hasOwn(setQuery, key))];
  if (outcome.agentId !== undefined) headers.push(overwrite('x-agent-id', outcome.agentId));
  else remove.push('x-agent-id');
  if (outcome.parentAgentId !== undefined) headers.push(overwrite('x-parent-agent-id', outcome.parentAgentId));
  else remove.push('x-parent-agent-id');
  headers.push(overwrite('x-dutygate-decision-id', outcome.decisionId));

  return {
    status: { code: GrpcCode.OK },
    ok_response: {
      headers,
      headers_to_remove: remove,
      query_parameters_to_set: changes
        ? Object.keys(changes.setQuery).map((key) => ({ key, value: changes.setQuery[key] ?? '' }))
        : [],
      query_parameters_to_remove: removeQuery,
    },
    dynamic_metadata: buildMetadata(outcome, outcome.code),
  };
}

/**
 * Builds the CheckResponse for `deny` and `approval_needed`: a non-zero gRPC status from the
 * codes table (7, 16 or 14) and a `denied_response` Envoy sends to the agent as is.
 *
 * The JSON body always has `decision, code, clause, source, decision_id, policy_version`
 * (`clause` is the verbatim clause text; `clause`, `source` and `policy_version` are `null` when
 * absent, so clients can rely on the keys) and, only when present, `reason`, `rule_id`,
 * `approval_id`, `status_url`. A deny can never carry status 0: an `OK` code here is a bug
 * upstream and is reported as INTERNAL, failing closed.
 */
export function buildDeniedResponse(outcome: CheckOutcome): WireCheckResponse {
  const code: DenyCode = outcome.code === 'OK' ? 'INTERNAL' : outcome.code;
  const spec = CODES[code];

  const body: Record<string, string | null> = {
    decision: outcome.decision,
    code,
    clause: outcome.clause?.text ?? null,
    source: outcome.clause?.source ?? null,
    decision_id: outcome.decisionId,
    policy_version: outcome.policyVersion ?? null,
  };
  if (outcome.reason !== undefined) body.reason = outcome.reason;
  if (outcome.ruleId !== undefined) body.rule_id = outcome.ruleId;
  if (outcome.approvalId !== undefined) body.approval_id = outcome.approvalId;
  if (outcome.statusUrl !== undefined) body.status_url = outcome.statusUrl;

  const headers = [
    overwrite('content-type', 'application/json'),
    overwrite('x-dutygate-decision-id', outcome.decisionId),
  ];
  if (outcome.decision === 'approval_needed' && outcome.approvalId !== undefined) {
    headers.push(overwrite('x-dutygate-approval-id', outcome.approvalId));
  }
  if (spec.http === 401) {
    // RFC 9110 §15.5.2: a 401 must carry a challenge; RFC 6750 §3 gives the Bearer form and
    // omits `error` when no token was sent at all.
    headers.push(
      overwrite(
        'www-authenticate',
        code === 'TOKEN_MISSING' ? 'Bearer realm="dutygate"' : 'Bearer realm="dutygate", error="invalid_token"',
      ),
    );
  }

  return {
    status: { code: spec.grpc, message: code },
    denied_response: { status: { code: spec.http }, headers, body: JSON.stringify(body) },
    dynamic_metadata: buildMetadata(outcome, code),
  };
}

function overwrite(key: string, value: string): WireHeaderValueOption {
  // `append` (deprecated) is left unset: when present Envoy ignores append_action.
  return { header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };
}

/**
 * `CheckResponse.dynamic_metadata`, which Envoy stores under the filter's namespace
 * (`envoy.filters.http.ext_authz`) for access logs and later filters. Absent ids are omitted.
 */
function buildMetadata(outcome: CheckOutcome, code: string): WireStruct {
  const fields: Record<string, WireValue> = {
    decision: { stringValue: outcome.decision },
    decision_id: { stringValue: outcome.decisionId },
    code: { stringValue: code },
  };
  if (outcome.agentId !== undefined) fields.agent_id = { stringValue: outcome.agentId };
  if (outcome.policyVersion !== undefined) fields.policy_version = { stringValue: outcome.policyVersion };
  if (outcome.approvalId !== undefined) fields.approval_id = { stringValue: outcome.approvalId };
  // Every call let through by break-glass is flagged (docs/design.md §6: never a silent bypass).
  if (outcome.liftedBy !== undefined) fields.lifted_by = { stringValue: outcome.liftedBy };
  if (outcome.liftedBy === 'break_glass') fields.break_glass = { boolValue: true };
  if (outcome.shadow) {
    fields.shadow = { boolValue: true };
    fields.would_block = { boolValue: outcome.wouldBlock };
  }
  return { fields };
}
