/** The policy the audit tests run: payments with a two-step duty and a human approval above 5000, record_params, a shadow rule. */
export const AUDIT_POLICY = `version: "audit-1"
default: deny
clauses:
  SOD_DUTY_CONFLICT:
    text: Drafting and approving one payment are two duties for two different actors.
  NO_EXPORT:
    text: Customer data may not be exported by agents.
  PAYMENT_LIMIT:
    text: Payments above 5000 need a human approval from finance.
tools:
  - name: payments.create
    match: { method: POST, host: payments.internal, path: /payments }
    record_params: [payment_id, amount]
  - name: payments.approve
    match: { method: POST, path: "/payments/{payment_id}/approve" }
    record_params: [payment_id]
  - { name: records.export, match: { method: POST, path: /export } }
duties:
  payment:
    resource: { param: payment_id, pattern: "^[a-z0-9][a-z0-9_-]{0,63}$" }
    steps: { draft: [payments.create], approve: [payments.approve] }
    distinct: [draft, approve]
rules:
  - id: finance-payments
    tools: [payments.create]
    agents: ["finance-*"]
    require: { parent_agent_id: true }
    params: { amount: { max: 5000 } }
    effect: allow
  - id: finance-large-payments
    tools: [payments.create]
    agents: ["finance-*"]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: PAYMENT_LIMIT
    approval: { approvers: ["sso:frank"], quorum: 1, ttl: 15m }
  - id: approve-payments
    tools: [payments.approve]
    require: { duty: payment }
    effect: allow
  - { id: exports, tools: [records.export], effect: allow }
  - id: no-export
    tools: [records.export]
    effect: deny
    clause: NO_EXPORT
    mode: shadow
`;
