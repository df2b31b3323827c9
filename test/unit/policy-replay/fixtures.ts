import type { DecisionRecord } from '../../../src/audit/decision-record.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import type { CompiledPolicy } from '../../../src/policy/compile-policy.js';

/** A payments policy; each test derives candidates by text edits. */
export const BASE = `version: "v1"
default: deny
clauses:
  LIMIT: { text: Big payments need a human. }
  NO_ROGUE: { text: Rogue agents may not pay. }
tools:
  - name: payments.create
    match: { method: POST, host: payments.internal, path: /payments }
    record_params: [payment_id, amount]
  - name: payments.approve
    match: { method: POST, path: "/payments/{payment_id}/approve" }
    record_params: [payment_id]
duties:
  payment:
    resource: { param: payment_id, pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }
    steps: { draft: [payments.create], approve: [payments.approve] }
    distinct: [draft, approve]
rules:
  - id: small
    tools: [payments.create]
    agents: ["finance-*"]
    params: { amount: { max: 5000 } }
    effect: allow
  - id: large
    tools: [payments.create]
    agents: ["finance-*"]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: LIMIT
    approval: { approvers: ["sso:boss"] }
  - id: approve
    tools: [payments.approve]
    effect: allow
`;

/** Compiles `BASE` with text replacements applied. */
export function candidate(...edits: [string, string][]): CompiledPolicy {
  let text = BASE;
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`fixture edit not found: ${from}`);
    text = text.replace(from, to);
  }
  return parsePolicy(text, 'candidate.yaml');
}

let seq = 0;

/** A decision record with every field present (the format's rule), overridable. */
export function record(fields: Partial<DecisionRecord> = {}): DecisionRecord {
  seq++;
  return {
    v: 1,
    type: 'decision',
    decision_id: `d-${seq}`,
    time: new Date(Date.UTC(2026, 10, 21, 10, 0, seq)).toISOString(),
    agent_id: 'finance-a',
    parent_agent_id: null,
    chain: [],
    initiator: null,
    jti: `j-${seq}`,
    method: 'POST',
    host: 'payments.internal',
    path: '/payments',
    query: '',
    tool: 'payments.create',
    tool_entry: 'payments.create',
    params: { payment_id: 'p1', amount: 100 },
    params_hashed: {},
    params_hash: 'h',
    decision: 'allow',
    code: 'OK',
    reason: null,
    rule_id: 'small',
    clause: null,
    policy_version: 'v1+000000000001',
    approval_id: null,
    shadow: false,
    would_block: false,
    would_block_code: null,
    trace_id: null,
    span_id: null,
    ...fields,
  };
}
