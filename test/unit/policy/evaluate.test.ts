import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/policy/evaluate.js';
import { callOf, policyOf } from './fixtures.js';

const TOOLS = `tools:
  - { name: t, match: { path: /t } }
  - { name: pay.create, match: { path: /pay } }
  - { name: pay.refund, match: { path: /refund } }
  - { name: mcp, match: { path: /mcp }, protocol: mcp }
`;

/** An allow rule with one condition on `v`: allowed exactly when the rule matches. */
function allowMatches(condition: string, params: Record<string, unknown>): boolean {
  const policy = policyOf(`version: "1"\n${TOOLS}rules:\n  - { id: r, tools: [t], params: { v: ${condition} }, effect: allow }\n`);
  return evaluate(policy, callOf('t', params)).kind === 'allow';
}

/** A deny rule with one condition on `v` over a blanket allow: denied exactly when it matches. */
function denyMatches(condition: string, params: Record<string, unknown>): boolean {
  const policy = policyOf(`version: "1"\nclauses: { C: { text: c } }\n${TOOLS}rules:
  - { id: base, tools: [t], effect: allow }
  - { id: r, tools: [t], params: { v: ${condition} }, effect: deny, clause: C }\n`);
  return evaluate(policy, callOf('t', params)).kind === 'deny';
}

const T = [true, true] as const; // definitely true: both rules match
const F = [false, false] as const; // definitely false: neither matches
const U = [false, true] as const; // cannot be judged: fails the allow rule, holds for the deny rule
const MISSING = Symbol('missing');

describe('param operators (no coercion; unjudgeable values fail closed)', () => {
  it.each([
    ['{ eq: 5 }', 5, T],
    ['{ eq: 5 }', 6, F],
    ['{ eq: 5 }', '5', U],
    ['{ eq: 5 }', MISSING, U],
    ['{ eq: a }', 'a', T],
    ['{ eq: a }', 'b', F],
    ['{ eq: true }', true, T],
    ['{ eq: true }', 'true', U],
    ['{ in: [a, b] }', 'b', T],
    ['{ in: [a, b] }', 'c', F],
    ['{ in: [a, b] }', 1, U],
    ['{ in: [a, b] }', ['a'], U],
    ['{ in: [1, 2] }', '2', U],
    ['{ min: 10 }', 10, T],
    ['{ min: 10 }', 9, F],
    ['{ min: 10 }', '10', U],
    ['{ min: 10 }', null, U],
    ['{ min: 10 }', true, U],
    ['{ max: 10 }', 10, T],
    ['{ max: 10 }', 11, F],
    ['{ max: 5000 }', '100', U],
    ['{ gt: 5000 }', 6000, T],
    ['{ gt: 5000 }', 5000, F],
    ['{ gt: 5000 }', '6000', U],
    ['{ gt: 5000 }', ['6000'], U],
    ['{ gt: 5000 }', MISSING, U],
    ['{ lt: 5 }', 4.5, T],
    ['{ lt: 5 }', 5, F],
    ['{ min: 1, max: 10 }', 10, T],
    ['{ min: 1, max: 10 }', 11, F],
    ['{ regex: "^acct_[a-z]+$" }', 'acct_abc', T],
    ['{ regex: "^acct_[a-z]+$" }', 'acct_ABC', F],
    ['{ regex: "^acct_[a-z]+$" }', 5, U],
    ['{ not_regex: "^internal_" }', 'acct_1', T],
    ['{ not_regex: "^internal_" }', 'internal_1', F],
    ['{ not_regex: "^internal_" }', 7, U],
    ['{ exists: true }', 0, T],
    ['{ exists: true }', MISSING, F],
    ['{ exists: false }', MISSING, T],
    ['{ exists: false }', null, F],
    ['{ exists: true, gt: 5 }', MISSING, F],
  ] as const)('%s with %j', (condition, value, [allow, deny]) => {
    const params = value === MISSING ? {} : { v: value };
    expect(allowMatches(condition, params)).toBe(allow);
    expect(denyMatches(condition, params)).toBe(deny);
  });

  it('reads dotted paths through own properties only', () => {
    const policy = policyOf(`version: "1"\n${TOOLS}rules:
  - { id: r, tools: [t], params: { recipient.country: { eq: US }, items.0.sku: { eq: s1 } }, effect: allow }\n`);
    const decide = (params: Record<string, unknown>) => evaluate(policy, callOf('t', params)).kind;
    expect(decide({ recipient: { country: 'US' }, items: [{ sku: 's1' }] })).toBe('allow');
    expect(decide({ recipient: { country: 'FR' }, items: [{ sku: 's1' }] })).toBe('deny');
    // A literal dotted key is not the nested value the upstream reads.
    expect(decide({ 'recipient.country': 'US', items: [{ sku: 's1' }] })).toBe('deny');
    const inherited = policyOf(`version: "1"\n${TOOLS}rules:\n  - { id: r, tools: [t], params: { constructor: { exists: true } }, effect: allow }\n`);
    expect(evaluate(inherited, callOf('t', {})).kind).toBe('deny');
  });

  it('explains a fail-closed match', () => {
    const policy = policyOf(`version: "1"\nclauses: { BIG: { text: Big payments need approval. } }\n${TOOLS}rules:
  - { id: small, tools: [t], params: { amount: { max: 5000 } }, effect: allow }
  - { id: big, tools: [t], params: { amount: { gt: 5000 } }, effect: deny, clause: BIG }\n`);
    const decision = evaluate(policy, callOf('t', { amount: '6000' }));
    expect(decision).toMatchObject({ kind: 'deny', code: 'POLICY_DENY', ruleId: 'big', matchedRules: ['big'] });
    expect(decision.reason).toContain("'amount'");
  });
});

describe('globs', () => {
  const policy = policyOf(`version: "1"\n${TOOLS}rules:
  - { id: finance, tools: [t], agents: ["finance-*"], effect: allow }
  - { id: delegated, tools: [pay.create], parents: ["orch-*"], effect: allow }
  - { id: all-pay, tools: ["pay.*"], agents: [auditor], effect: allow }
  - { id: reads, tools: ["mcp:read_*"], effect: allow }
  - { id: anything, tools: ["*"], agents: [root], effect: allow }\n`);
  const kind = (tool: string, agent: Parameters<typeof callOf>[2]) => evaluate(policy, callOf(tool, {}, agent)).kind;

  it.each([
    ['agents glob', 't', { id: 'finance-bot' }, 'allow'],
    ['agents glob, empty star', 't', { id: 'finance-' }, 'allow'],
    ['agents glob is anchored', 't', { id: 'xfinance-bot' }, 'deny'],
    ['agents glob is case-sensitive', 't', { id: 'Finance-bot' }, 'deny'],
    ['parents glob', 'pay.create', { id: 'a', parentId: 'orch-1' }, 'allow'],
    ['parents glob: a root agent has no parent', 'pay.create', { id: 'a' }, 'deny'],
    ['parents glob: other parent', 'pay.create', { id: 'a', parentId: 'finance-1' }, 'deny'],
    ['tools glob', 'pay.refund', { id: 'auditor' }, 'allow'],
    ['MCP tools glob', 'mcp:read_file', { id: 'a' }, 'allow'],
    ['MCP tools glob is anchored', 'mcp:write_file', { id: 'a' }, 'deny'],
    ['star matches any tool', 'mcp.method:tools/list', { id: 'root' }, 'allow'],
  ] as const)('%s', (_name, tool, agent, expected) => {
    expect(kind(tool, agent)).toBe(expected);
  });
});

describe('require', () => {
  const policy = policyOf(`version: "1"
clauses:
  SOD_SAME_AGENT: { text: Policy text for same agent. }
  OWN: { text: The rule's own text. }
  LIMIT: { text: Limit text. }
${TOOLS}rules:
  - { id: chain, tools: [t], require: { parent_agent_id: true }, effect: allow }
  - { id: distinct, tools: [pay.create], require: { different_agent_id: true }, effect: allow }
  - { id: own-clause, tools: [pay.refund], require: { parent_agent_id: true }, effect: allow, clause: OWN }
  - id: approval-with-require
    tools: ["mcp:send"]
    require: { different_agent_id: true }
    effect: approval_needed
    clause: LIMIT
    approval: { approvers: [a] }
`);

  it.each([
    ['no parent → CHAIN_REQUIRED', 't', { id: 'a' }, 'deny', 'CHAIN_REQUIRED'],
    ['parent named but not attested → CHAIN_REQUIRED', 't', { id: 'a', parentId: 'p', ancestors: [] }, 'deny', 'CHAIN_REQUIRED'],
    ['parent not the last attested link → CHAIN_REQUIRED', 't', { id: 'a', parentId: 'p', ancestors: ['p', 'q'] }, 'deny', 'CHAIN_REQUIRED'],
    ['attested parent', 't', { id: 'a', parentId: 'p', ancestors: ['root', 'p'] }, 'allow', 'OK'],
    ['agent is its parent → SOD_SAME_AGENT', 'pay.create', { id: 'a', parentId: 'a', ancestors: ['a'] }, 'deny', 'SOD_SAME_AGENT'],
    ['agent is an ancestor → SOD_SAME_AGENT', 'pay.create', { id: 'a', parentId: 'p', ancestors: ['a', 'p'] }, 'deny', 'SOD_SAME_AGENT'],
    ['distinct agent', 'pay.create', { id: 'a', parentId: 'p', ancestors: ['p'] }, 'allow', 'OK'],
    ['root agent is distinct', 'pay.create', { id: 'a' }, 'allow', 'OK'],
  ] as const)('%s', (_name, tool, agent, kind, code) => {
    expect(evaluate(policy, callOf(tool, {}, agent))).toMatchObject({ kind, code });
  });

  it('quotes the clause: allow rule own clause → clause named after the code → built-in', () => {
    expect(evaluate(policy, callOf('pay.refund', {}, { id: 'a' })).clause).toEqual({ name: 'OWN', text: "The rule's own text.", source: 'policy.yaml#/clauses/OWN' });
    expect(evaluate(policy, callOf('pay.create', {}, { id: 'a', parentId: 'a' })).clause?.source).toBe('policy.yaml#/clauses/SOD_SAME_AGENT');
    expect(evaluate(policy, callOf('t', {}, { id: 'a' })).clause).toMatchObject({ name: 'CHAIN_REQUIRED', source: 'dutygate:builtin#/clauses/CHAIN_REQUIRED' });
  });

  it('an approval rule whose require fails denies, quoting the SoD clause rather than its own', () => {
    const decision = evaluate(policy, callOf('mcp:send', {}, { id: 'a', parentId: 'a' }));
    expect(decision).toMatchObject({ kind: 'deny', code: 'SOD_SAME_AGENT', ruleId: 'approval-with-require' });
    expect(decision.clause?.name).toBe('SOD_SAME_AGENT');
    expect(decision.approvals).toBeUndefined();
  });
});

describe('combining', () => {
  const policy = policyOf(`version: "1"
default: deny
clauses: { NO: { text: No. }, ASK: { text: Ask. }, ASK2: { text: Ask again. } }
${TOOLS}rules:
  - { id: allow-t, tools: [t], effect: allow }
  - { id: ask-big, tools: [t], params: { amount: { gt: 100 } }, effect: approval_needed, clause: ASK, approval: { approvers: [u1, u2], quorum: 2, ttl: 10m } }
  - { id: ask-any, tools: [t], params: { amount: { gt: 10 } }, effect: approval_needed, clause: ASK2, approval: { approvers: [u3] } }
  - { id: deny-huge, tools: [t], params: { amount: { gt: 1000 } }, effect: deny, clause: NO }
`);

  it('allows when only allow rules match', () => {
    expect(evaluate(policy, callOf('t', { amount: 1 }))).toEqual({ kind: 'allow', code: 'OK', ruleId: 'allow-t', shadow: false, wouldBlock: false, dutySteps: [], matchedRules: ['allow-t'] });
  });

  it('approval_needed overrides allow; the first approval rule decides the code and clause, every matched one is listed', () => {
    const ask = { name: 'ASK', text: 'Ask.', source: 'policy.yaml#/clauses/ASK' };
    const ask2 = { name: 'ASK2', text: 'Ask again.', source: 'policy.yaml#/clauses/ASK2' };
    expect(evaluate(policy, callOf('t', { amount: 500 }))).toEqual({
      kind: 'approval_needed',
      code: 'APPROVAL_REQUIRED',
      ruleId: 'ask-big',
      clause: ask,
      // issue 12 item 3: both rules' approvers must agree, not only the first rule's.
      approvals: [
        { ruleId: 'ask-big', clause: ask, approvers: ['u1', 'u2'], quorum: 2, ttlMs: 600_000, requireReason: 'deny' },
        { ruleId: 'ask-any', clause: ask2, approvers: ['u3'], quorum: 1, ttlMs: 900_000, requireReason: 'deny' },
      ],
      shadow: false,
      wouldBlock: false,
      dutySteps: [],
      matchedRules: ['allow-t', 'ask-big', 'ask-any'],
    });
    expect(evaluate(policy, callOf('t', { amount: 50 })).approvals).toEqual([{ ruleId: 'ask-any', clause: ask2, approvers: ['u3'], quorum: 1, ttlMs: 900_000, requireReason: 'deny' }]);
  });

  it('lists no approval rules on a deny, nor shadow approval rules on approval_needed', () => {
    expect(evaluate(policy, callOf('t', { amount: 5000 })).approvals).toBeUndefined();
    const shadowed = policyOf(`version: "1"
clauses: { ASK: { text: Ask. } }
${TOOLS}rules:
  - { id: ask, tools: [t], effect: approval_needed, clause: ASK, approval: { approvers: [u1] } }
  - { id: ask-shadow, tools: [t], effect: approval_needed, clause: ASK, approval: { approvers: [u2] }, mode: shadow }
`);
    expect(evaluate(shadowed, callOf('t')).approvals?.map((each) => each.ruleId)).toEqual(['ask']);
  });

  it('deny overrides approval_needed and allow, even when listed last', () => {
    expect(evaluate(policy, callOf('t', { amount: 5000 }))).toMatchObject({ kind: 'deny', code: 'POLICY_DENY', ruleId: 'deny-huge', clause: { name: 'NO' }, matchedRules: ['allow-t', 'ask-big', 'ask-any', 'deny-huge'] });
  });

  it('falls back to default deny (NO_RULE, no clause) and default allow', () => {
    const denied = evaluate(policy, callOf('pay.create'));
    expect(denied).toMatchObject({ kind: 'deny', code: 'NO_RULE', matchedRules: [] });
    expect(denied.clause).toBeUndefined();
    expect(denied.ruleId).toBeUndefined();
    const open = policyOf(`version: "1"\ndefault: allow\n${TOOLS}rules: []\n`);
    expect(evaluate(open, callOf('mcp:anything'))).toEqual({ kind: 'allow', code: 'OK', shadow: false, wouldBlock: false, dutySteps: [], matchedRules: [] });
  });
});

describe('sanitize', () => {
  const policy = policyOf(`version: "1"\nclauses: { NO: { text: No. } }\n${TOOLS}rules:
  - { id: plain, tools: [t], effect: allow }
  - id: first
    tools: [t]
    effect: allow
    sanitize: { remove_headers: [X-Debug, x-trace], set_headers: { x-reviewed-by: first }, set_query: { v: "1" } }
  - id: second
    tools: [t]
    effect: allow
    sanitize: { remove_headers: [x-reviewed-by, x-other], set_headers: { x-reviewed-by: second, x-extra: "2" }, remove_query: [debug] }
  # exists: true scopes the deny to calls that send the flag (a missing param would otherwise fail closed).
  - { id: deny-flagged, tools: [t], params: { flagged: { exists: true, eq: true } }, effect: deny, clause: NO }
`);

  it('merges the changes of every matching allow rule; the earlier rule wins a conflict', () => {
    expect(evaluate(policy, callOf('t'))).toMatchObject({
      kind: 'sanitize',
      code: 'OK',
      ruleId: 'plain',
      changes: {
        setHeaders: { 'x-reviewed-by': 'first', 'x-extra': '2' },
        removeHeaders: ['x-debug', 'x-trace', 'x-other'],
        setQuery: { v: '1' },
        removeQuery: ['debug'],
      },
    });
  });

  it('carries no changes when a deny wins', () => {
    const decision = evaluate(policy, callOf('t', { flagged: true }));
    expect(decision.kind).toBe('deny');
    expect(decision.changes).toBeUndefined();
  });
});
