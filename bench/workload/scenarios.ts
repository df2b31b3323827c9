/**
 * The request mix: what agents ask the gate, and what bench/fixtures/policy.yaml answers. Each
 * scenario is a kind of tool call with a weight, whether the agent was delegated (a chain of two
 * ancestors in `x-agent-chain`), and the decisions it may get. Values are drawn from bounded
 * pools (payment ids, approval-worthy amounts) so that the duty ledger and the pending approvals
 * reach a steady size instead of growing with the number of checks.
 */

/** The decision classes a response is sorted into (sanitize counts as allow). */
export type DecisionClass = 'allow' | 'deny' | 'approval_needed';

/** One tool call as the agent sent it to its Envoy sidecar. */
export interface CallSpec {
  readonly method: string;
  readonly host: string;
  /** Request target, query included. */
  readonly path: string;
  /** JSON text of the body, if any. */
  readonly body?: string;
}

/** Which agent makes the call. */
export interface AgentSpec {
  readonly agentId: string;
  /** The human on whose behalf it works (`initiator`); delegated agents take their root's. */
  readonly initiator: string;
}

/** A kind of request in the mix. */
export interface Scenario {
  readonly name: string;
  /** Relative frequency. */
  readonly weight: number;
  /** Delegated: the token names a parent and the request carries a two-link chain. */
  readonly chained: boolean;
  /** Decision classes the policy may answer (several when it depends on the duty ledger). */
  readonly expect: readonly DecisionClass[];
  /** The agent for the `n`-th use of this scenario (a chained agent's initiator is its root's). */
  agent(n: number, pick: Pick): AgentSpec;
  call(n: number, pick: Pick): CallSpec;
}

/** A deterministic random source: `int(k)` in [0, k). */
export interface Pick {
  int(bound: number): number;
}

/**
 * Humans behind undelegated agents, one pair per agent family, so that reviewers, operators and
 * drafters are distinct actors for the duty ledger (the same human on both sides would be a
 * SOD_DUTY_CONFLICT by initiator).
 */
const HUMANS: Readonly<Record<string, readonly string[]>> = {
  reviewer: ['sso:erin', 'sso:frank'],
  ops: ['sso:grace', 'sso:heidi'],
};
const OTHER_HUMANS = ['sso:ivan', 'sso:judy'];
/** Roots of delegation chains work for these humans; delegated agents take their root's. */
export const CHAIN_HUMANS: readonly string[] = ['sso:alice', 'sso:bob', 'sso:carol', 'sso:dave'];

// Small enough that the duty ledger (one entry per payment, step and actor) fills within the
// first ~100k checks: the RSS soak should see a steady state, not the ledger still filling.
const PAYMENT_POOL = 50;
const APPROVAL_POOL = 8;

function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

function hex(pick: Pick, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += '0123456789abcdef'[pick.int(16)];
  return out;
}

function alnum(pick: Pick, length: number): string {
  const chars = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < length; i++) out += chars[pick.int(chars.length)];
  return out;
}

const agent = (prefix: string, count: number) => (_n: number, pick: Pick): AgentSpec => {
  const index = pick.int(count);
  const humans = HUMANS[prefix] ?? OTHER_HUMANS;
  return { agentId: `${prefix}-${index}`, initiator: humans[index % humans.length] as string };
};

/** Fields that make a body the ~300 bytes an agent runtime typically sends. */
function envelope(pick: Pick): string {
  return `"metadata":{"workflow_id":"wf_${hex(pick, 16)}","step":${pick.int(40)},"runtime":"agent-runtime/2.4.1","idempotency_key":"${hex(pick, 32)}","labels":{"team":"platform-ops","env":"prod","region":"eu-central-1"}}`;
}

function payment(pick: Pick, amount: number, destination: string, id: string): string {
  return `{"payment_id":"${id}","amount":${amount},"currency":"${['EUR', 'USD', 'GBP'][pick.int(3)]}","destination":"${destination}","memo":"Invoice ${pad4(pick.int(10000))} consulting services, project atlas","${'requested_by'}":"agent",${envelope(pick)}}`;
}

const post = (host: string, path: string, body: string): CallSpec => ({ method: 'POST', host, path, body });
const mcp = (method: string, params: string, id: number): CallSpec =>
  post('tools.internal', '/mcp', `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${params}}`);

/** The mix. Weights sum to 100; about half the weight is delegated (chained). */
export const SCENARIOS: readonly Scenario[] = [
  // --- delegated agents (two-ancestor chain) ---
  {
    name: 'payment-create', weight: 13, chained: true, expect: ['allow'],
    agent: agent('finance', 8),
    call: (_n, p) => post('payments.internal', '/payments', payment(p, 10 + p.int(4990), `acct_${alnum(p, 12)}`, `pay_${pad4(p.int(PAYMENT_POOL))}`)),
  },
  {
    name: 'payment-create-over-limit', weight: 4, chained: true, expect: ['approval_needed'],
    agent: agent('finance', 2),
    call: (_n, p) => post('payments.internal', '/payments', `{"payment_id":"pay_9${pad4(p.int(APPROVAL_POOL))}","amount":${[6000, 7500, 9000][p.int(3)]},"currency":"EUR","destination":"acct_9f8e7d6c5b4a3f2e","memo":"Quarterly license renewal","requested_by":"agent"}`),
  },
  {
    name: 'payment-create-sanctioned', weight: 3, chained: true, expect: ['deny'],
    agent: agent('finance', 8),
    call: (_n, p) => post('payments.internal', '/payments', payment(p, 100 + p.int(900), `acct_SANCT${alnum(p, 8)}`, `pay_${pad4(p.int(PAYMENT_POOL))}`)),
  },
  {
    // The drafting side of the payment approving it: SOD_DUTY_CONFLICT once its draft is in
    // the ledger (allow before that, so both are expected).
    name: 'payment-approve-own-draft', weight: 3, chained: true, expect: ['deny', 'allow'],
    agent: agent('finance', 8),
    call: (_n, p) => post('payments.internal', `/payments/pay_${pad4(p.int(PAYMENT_POOL))}/approve`, `{"note":"approving my own draft",${envelope(p)}}`),
  },
  {
    name: 'refund-small', weight: 6, chained: true, expect: ['allow'],
    agent: agent('support', 8),
    call: (_n, p) => post('payments.internal', '/refunds', `{"order_id":"ord_${alnum(p, 10)}","amount":${1 + p.int(199)},"currency":"USD","reason":"${['damaged', 'late', 'duplicate', 'other'][p.int(4)]}","customer_note":"Package arrived ${p.int(9) + 1} days late and the box was damaged",${envelope(p)}}`),
  },
  {
    name: 'refund-medium', weight: 3, chained: true, expect: ['approval_needed'],
    agent: agent('support', 2),
    call: (_n, p) => post('payments.internal', '/refunds', `{"order_id":"ord_Q${pad4(p.int(APPROVAL_POOL))}ABCDE","amount":${[250, 800, 1500][p.int(3)]},"currency":"USD","reason":"damaged"}`),
  },
  {
    name: 'refund-large', weight: 1, chained: true, expect: ['deny'],
    agent: agent('support', 8),
    call: (_n, p) => post('payments.internal', '/refunds', `{"order_id":"ord_${alnum(p, 10)}","amount":${2000 + p.int(8000)},"currency":"USD","reason":"other",${envelope(p)}}`),
  },
  {
    name: 'customer-update', weight: 6, chained: true, expect: ['allow'],
    agent: agent('crm', 4),
    call: (_n, p) => ({ method: 'PUT', host: 'crm.internal', path: `/customers/cus_${alnum(p, 14)}`, body: `{"email":"${alnum(p, 8).toLowerCase()}@example.com","phone":"+4930${p.int(9_000_000) + 1_000_000}","address":{"city":"Berlin","zip":"10${p.int(900) + 100}"},"tier":"standard",${envelope(p)}}` }),
  },
  {
    name: 'customer-vip', weight: 2, chained: true, expect: ['approval_needed'],
    agent: agent('crm', 2),
    call: (_n, p) => ({ method: 'PUT', host: 'crm.internal', path: `/customers/cus_VIP${pad4(p.int(APPROVAL_POOL))}ABCDEFG`, body: '{"email":"vip@example.com","tier":"vip"}' }),
  },
  {
    name: 'customer-delete', weight: 2, chained: true, expect: ['deny'],
    agent: agent('crm', 4),
    call: (_n, p) => ({ method: 'PUT', host: 'crm.internal', path: `/customers/cus_${alnum(p, 14)}`, body: `{"email":"gone@example.com","deleted":true,${envelope(p)}}` }),
  },
  {
    name: 'mcp-read-file', weight: 5, chained: true, expect: ['allow'],
    agent: agent('dev', 8),
    call: (n, p) => mcp('tools/call', `{"name":"read_file","arguments":{"path":"/workspace/src/module_${p.int(500)}/handler.ts","encoding":"utf-8","max_bytes":65536},"_meta":{"progressToken":"${hex(p, 16)}"}}`, n),
  },
  {
    name: 'mcp-run-command', weight: 2, chained: true, expect: ['approval_needed'],
    agent: agent('dev', 2),
    call: (n, p) => mcp('tools/call', `{"name":"run_command","arguments":{"command":"${['npm test', 'make build', 'terraform plan'][p.int(3)]}","cwd":"/workspace"}}`, n),
  },
  // --- agents acting on their own (no chain) ---
  {
    name: 'payment-create-undelegated', weight: 2, chained: false, expect: ['deny'],
    agent: agent('finance', 8),
    call: (_n, p) => post('payments.internal', '/payments', payment(p, 10 + p.int(4000), `acct_${alnum(p, 12)}`, `pay_${pad4(p.int(PAYMENT_POOL))}`)),
  },
  {
    name: 'payment-approve', weight: 6, chained: false, expect: ['allow'],
    agent: agent('reviewer', 8),
    call: (_n, p) => post('payments.internal', `/payments/pay_${pad4(p.int(PAYMENT_POOL))}/approve`, `{"note":"checked against PO-${pad4(p.int(10000))} and the vendor contract","checklist":{"po_match":true,"vendor_verified":true,"budget_ok":true},${envelope(p)}}`),
  },
  {
    name: 'payment-release', weight: 4, chained: false, expect: ['allow'],
    agent: agent('ops', 4),
    call: (_n, p) => post('payments.internal', `/payments/pay_${pad4(p.int(PAYMENT_POOL))}/release`, `{"rail":"sepa","value_date":"2026-11-${10 + p.int(18)}",${envelope(p)}}`),
  },
  {
    name: 'payment-release-by-reviewer', weight: 1, chained: false, expect: ['deny'],
    agent: agent('reviewer', 8),
    call: (_n, p) => post('payments.internal', `/payments/pay_${pad4(p.int(PAYMENT_POOL))}/release`, `{"rail":"sepa",${envelope(p)}}`),
  },
  {
    name: 'invoice-read', weight: 5, chained: false, expect: ['allow'],
    agent: agent('analyst', 8),
    call: (_n, p) => ({ method: 'GET', host: 'billing.internal', path: `/invoices/inv_${hex(p, 12)}?expand=lines&format=json` }),
  },
  {
    name: 'invoice-create', weight: 5, chained: false, expect: ['allow'],
    agent: agent('billing', 4),
    call: (_n, p) => post('billing.internal', '/invoices', `{"customer_id":"cus_${alnum(p, 14)}","total":${p.int(100000)},"currency":"EUR","due_days":${p.int(90)},"lines":[{"sku":"consulting-day","qty":${1 + p.int(20)},"unit_price":1200}],${envelope(p)}}`),
  },
  {
    name: 'invoice-create-large', weight: 2, chained: false, expect: ['approval_needed'],
    agent: agent('billing', 2),
    call: (_n, p) => post('billing.internal', '/invoices', `{"customer_id":"cus_BIG${pad4(p.int(APPROVAL_POOL))}ABCDEFG","total":250000,"currency":"EUR","due_days":30}`),
  },
  {
    name: 'report-export', weight: 4, chained: false, expect: ['allow'],
    agent: agent('analyst', 8),
    call: (_n, p) => post('reports.internal', '/reports/export', `{"report":"revenue_by_region","rows":${1 + p.int(50000)},"format":"${['csv', 'parquet', 'json'][p.int(3)]}","filters":{"year":2026,"region":"emea"},${envelope(p)}}`),
  },
  {
    name: 'report-export-pii', weight: 2, chained: false, expect: ['deny'],
    agent: agent('analyst', 8),
    call: (_n, p) => post('reports.internal', '/reports/export', `{"report":"customers","rows":${1 + p.int(1000)},"format":"csv","include_pii":true,${envelope(p)}}`),
  },
  {
    name: 'ticket-comment', weight: 5, chained: false, expect: ['allow'],
    agent: agent('support', 8),
    call: (_n, p) => post('support.internal', `/tickets/T-${p.int(100000)}/comments`, `{"text":"Thanks for your patience. The refund for order ${alnum(p, 10)} was issued today and should arrive within 5 business days.","visibility":"public",${envelope(p)}}`),
  },
  {
    name: 'ticket-comment-link', weight: 2, chained: false, expect: ['deny'],
    agent: agent('support', 8),
    call: (_n, p) => post('support.internal', `/tickets/T-${p.int(100000)}/comments`, `{"text":"Please log in at https://example.net/${alnum(p, 8)} to confirm","visibility":"public",${envelope(p)}}`),
  },
  {
    name: 'mcp-search', weight: 4, chained: false, expect: ['allow'],
    agent: agent('dev', 8),
    call: (n, p) => mcp('tools/call', `{"name":"search","arguments":{"query":"function handle${alnum(p, 6)} in services/*","limit":${1 + p.int(100)}}}`, n),
  },
  {
    name: 'mcp-write-file', weight: 3, chained: false, expect: ['allow'],
    agent: agent('dev', 8),
    call: (n, p) => mcp('tools/call', `{"name":"write_file","arguments":{"path":"/workspace/notes/${alnum(p, 8)}.md","content":"# Notes\\nRefactor the handler to stream results."}}`, n),
  },
  {
    name: 'mcp-write-outside', weight: 2, chained: false, expect: ['deny'],
    agent: agent('dev', 8),
    call: (n, p) => mcp('tools/call', `{"name":"write_file","arguments":{"path":"/etc/${alnum(p, 6)}.conf","content":"x"}}`, n),
  },
  {
    name: 'mcp-delete', weight: 1, chained: false, expect: ['deny'],
    agent: agent('dev', 8),
    call: (n, p) => mcp('tools/call', `{"name":"delete_file","arguments":{"path":"/workspace/${alnum(p, 8)}"}}`, n),
  },
  {
    name: 'mcp-tools-list', weight: 2, chained: false, expect: ['allow'],
    agent: agent('dev', 8),
    call: (n) => mcp('tools/list', '{}', n),
  },
  {
    name: 'unmapped-admin', weight: 2, chained: false, expect: ['deny'],
    agent: agent('dev', 8),
    call: (_n, p) => ({ method: 'GET', host: 'admin.internal', path: `/admin/users?page=${p.int(20)}` }),
  },
  {
    name: 'no-rule-for-agent', weight: 2, chained: false, expect: ['deny'],
    agent: agent('support', 8),
    call: (_n, p) => post('reports.internal', '/reports/export', `{"report":"revenue_by_region","rows":${1 + p.int(1000)},"format":"csv",${envelope(p)}}`),
  },
];
