import { describe, expect, it } from 'vitest';
import { decideUnmapped } from '../../../src/policy/decide-unmapped.js';
import { evaluate } from '../../../src/policy/evaluate.js';
import { callOf, policyOf } from './fixtures.js';

const HEAD = `clauses: { NO: { text: No. }, ASK: { text: Ask. } }
tools:
  - { name: t, match: { path: "/t/{id}" } }
  - { name: u, match: { path: /u } }
duties:
  d: { resource: { param: id, pattern: "^[a-z0-9][a-z0-9_-]{0,63}$" }, steps: { one: [t], two: [u] }, distinct: [one, two] }
`;

describe('policy-level shadow', () => {
  const policy = policyOf(`version: "1"\nmode: shadow\n${HEAD}rules:
  - { id: allow-t, tools: [t], effect: allow, sanitize: { remove_headers: [x-debug] } }
  - { id: deny-big, tools: [t], params: { n: { gt: 5 } }, effect: deny, clause: NO }
  - { id: enforced-deny, tools: [t], params: { n: { eq: 666 } }, effect: deny, clause: NO, mode: enforce }
`);

  it('lets a would-be deny through, reporting the real decision', () => {
    expect(evaluate(policy, callOf('t', { id: 'r1', n: 9 }))).toEqual({
      kind: 'allow',
      code: 'OK',
      ruleId: 'deny-big',
      clause: { name: 'NO', text: 'No.', source: 'policy.yaml#/clauses/NO' },
      shadow: true,
      wouldBlock: true,
      shadowKind: 'deny',
      shadowCode: 'POLICY_DENY',
      dutySteps: [{ duty: 'd', resource: 'r1', step: 'one', distinct: ['one', 'two'], distinctBy: 'lineage' }],
      matchedRules: ['allow-t', 'deny-big'],
    });
  });

  it('lets a default deny through', () => {
    expect(evaluate(policy, callOf('u', { id: 'r9' }))).toMatchObject({ kind: 'allow', code: 'OK', shadow: true, wouldBlock: true, shadowKind: 'deny', shadowCode: 'NO_RULE' });
  });

  it('lets a call whose duty resource cannot be named through, reporting SOD_RESOURCE_INVALID', () => {
    expect(evaluate(policy, callOf('u'))).toMatchObject({ kind: 'allow', shadow: true, wouldBlock: true, shadowKind: 'deny', shadowCode: 'SOD_RESOURCE_INVALID', dutySteps: [] });
  });

  it('reports an allow as shadow without would-block, and does not rewrite the request', () => {
    const decision = evaluate(policy, callOf('t', { id: 'r1', n: 1 }));
    expect(decision).toMatchObject({ kind: 'allow', ruleId: 'allow-t', shadow: true, wouldBlock: false, shadowKind: 'sanitize', shadowCode: 'OK' });
    expect(decision.changes).toBeUndefined();
  });

  it('still enforces a rule with mode: enforce', () => {
    expect(evaluate(policy, callOf('t', { id: 'r1', n: 666 }))).toMatchObject({ kind: 'deny', code: 'POLICY_DENY', ruleId: 'enforced-deny', shadow: false, wouldBlock: false, dutySteps: [] });
  });

  it('applies to unmapped requests and refused bodies too', () => {
    expect(decideUnmapped(policy, 'NO_TOOL')).toMatchObject({ kind: 'allow', shadow: true, wouldBlock: true, shadowCode: 'NO_TOOL' });
    expect(decideUnmapped(policy, 'BODY_DUPLICATE_KEY', 'dup')).toMatchObject({ kind: 'allow', wouldBlock: true, shadowCode: 'BODY_DUPLICATE_KEY', reason: 'dup' });
  });
});

describe('rule-level shadow: a shadow rule never changes what is enforced', () => {
  const policy = policyOf(`version: "1"\n${HEAD}rules:
  - { id: shadow-deny-first, tools: [t], params: { n: { eq: 3 } }, effect: deny, clause: NO, mode: shadow }
  - { id: allow-t, tools: [t], params: { n: { lt: 100 } }, effect: allow }
  - { id: shadow-deny, tools: [t], params: { n: { gt: 5 } }, effect: deny, clause: NO, mode: shadow }
  - { id: enforce-deny, tools: [t], params: { n: { eq: 3 } }, effect: deny, clause: NO }
  - { id: shadow-ask, tools: [t], params: { n: { eq: 2 } }, effect: approval_needed, clause: ASK, approval: { approvers: [a] }, mode: shadow }
  - { id: shadow-allow-u, tools: [u], effect: allow, mode: shadow, sanitize: { set_headers: { x-a: b } } }
  - { id: shadow-deny-big, tools: [t], params: { n: { gt: 1000 } }, effect: deny, clause: NO, mode: shadow }
`);

  it("a shadow deny does not turn an enforced allow into a block", () => {
    expect(evaluate(policy, callOf('t', { id: 'r', n: 9 }))).toMatchObject({
      kind: 'allow', code: 'OK', ruleId: 'shadow-deny', clause: { name: 'NO' }, shadow: true, wouldBlock: true, shadowKind: 'deny', shadowCode: 'POLICY_DENY',
      matchedRules: ['allow-t', 'shadow-deny'],
    });
  });

  it('an enforce-mode deny still denies when a shadow deny matched first', () => {
    expect(evaluate(policy, callOf('t', { id: 'r', n: 3 }))).toMatchObject({ kind: 'deny', code: 'POLICY_DENY', ruleId: 'enforce-deny', shadow: false, wouldBlock: false });
  });

  it('a shadow approval does not ask for approval', () => {
    const decision = evaluate(policy, callOf('t', { id: 'r', n: 2 }));
    expect(decision).toMatchObject({ kind: 'allow', ruleId: 'shadow-ask', wouldBlock: true, shadowKind: 'approval_needed', shadowCode: 'APPROVAL_REQUIRED' });
    expect(decision.approvals).toBeUndefined();
  });

  it('a shadow deny does not open what nothing allows: the default still denies', () => {
    expect(evaluate(policy, callOf('t', { id: 'r', n: 2000 }))).toMatchObject({ kind: 'deny', code: 'NO_RULE', shadow: true, wouldBlock: false, shadowKind: 'deny', shadowCode: 'POLICY_DENY' });
  });

  it('a shadow allow previews an opening without opening it', () => {
    const decision = evaluate(policy, callOf('u', { id: 'r9' }));
    expect(decision).toMatchObject({ kind: 'deny', code: 'NO_RULE', shadow: true, wouldBlock: false, shadowKind: 'sanitize', shadowCode: 'OK' });
    expect(decision.changes).toBeUndefined();
  });

  it('a shadow require failure would block but lets the call through', () => {
    const sod = policyOf(`version: "1"\n${HEAD}rules:
  - { id: allow-t, tools: [t], effect: allow }
  - { id: sod, tools: [t], require: { duty: d }, effect: allow, mode: shadow }
`);
    const ledger = [{ duty: 'd', resource: 'r', step: 'two', agentId: 'agent-a', at: 0 }];
    expect(evaluate(sod, callOf('t', { id: 'r' }, {}, ledger))).toMatchObject({ kind: 'allow', ruleId: 'sod', shadow: true, wouldBlock: true, shadowCode: 'SOD_DUTY_CONFLICT', dutySteps: [{ step: 'one' }] });
  });

  it('an enforce policy without shadow rules involved reports no shadow', () => {
    expect(evaluate(policy, callOf('t', { id: 'r', n: 1 }))).toEqual({
      kind: 'allow', code: 'OK', ruleId: 'allow-t', shadow: false, wouldBlock: false,
      dutySteps: [{ duty: 'd', resource: 'r', step: 'one', distinct: ['one', 'two'], distinctBy: 'lineage' }], matchedRules: ['allow-t'],
    });
  });
});

describe('decideUnmapped (enforce)', () => {
  it('judges NO_TOOL by the default, always denies a refused body', () => {
    const deny = policyOf(`version: "1"\nrules: []\n`);
    const allow = policyOf(`version: "1"\ndefault: allow\nrules: []\n`);
    expect(decideUnmapped(deny, 'NO_TOOL')).toEqual({ kind: 'deny', code: 'NO_TOOL', shadow: false, wouldBlock: false, dutySteps: [], matchedRules: [] });
    expect(decideUnmapped(allow, 'NO_TOOL')).toMatchObject({ kind: 'allow', code: 'OK', wouldBlock: false });
    expect(decideUnmapped(allow, 'MCP_BATCH')).toMatchObject({ kind: 'deny', code: 'MCP_BATCH' });
  });
});
