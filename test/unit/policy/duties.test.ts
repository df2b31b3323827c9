import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dutyStepsFor, evaluate } from '../../../src/policy/evaluate.js';
import type { EvaluationInput, LedgerEntry } from '../../../src/policy/types.js';
import { callOf, policyOf } from './fixtures.js';

const EXAMPLE = policyOf(readFileSync(new URL('../../vectors/payments/policy.yaml', import.meta.url), 'utf8'));

/** Plays calls against the example policy the way the Check path does: commit steps when let through. */
class Workflow {
  readonly ledger: LedgerEntry[] = [];

  call(tool: string, agent: Partial<EvaluationInput['agent']>, params: Record<string, unknown> = { payment_id: 'p1' }) {
    const input = callOf(tool, params, { parentId: 'orchestrator', ancestors: ['orchestrator'], ...agent });
    const decision = evaluate(EXAMPLE, { ...input, ledger: this.ledger });
    if (decision.kind === 'allow' || decision.kind === 'sanitize') {
      for (const step of decision.dutySteps) {
        this.ledger.push({ duty: step.duty, resource: step.resource, step: step.step, agentId: input.agent.id, ...(input.agent.initiator ? { initiator: input.agent.initiator } : {}), at: 0 });
      }
    }
    return decision;
  }
}

const DRAFT = { payment_id: 'p1', amount: 100, destination: 'acct_12345678' };

describe('duty: the three-actor rule (draft, approve, release)', () => {
  it('A drafts; A may not approve; B approves; B may not release; C releases', () => {
    const flow = new Workflow();
    expect(flow.call('payments.create', { id: 'finance-a' }, DRAFT)).toMatchObject({ kind: 'allow', dutySteps: [{ duty: 'payment', resource: 'p1', step: 'draft' }] });
    const selfApproval = flow.call('payments.approve', { id: 'finance-a' });
    expect(selfApproval).toMatchObject({ kind: 'deny', code: 'SOD_DUTY_CONFLICT', ruleId: 'approve-and-release', clause: { name: 'SOD_DUTY_CONFLICT', source: 'dutygate:builtin#/clauses/SOD_DUTY_CONFLICT' }, dutySteps: [] });
    expect(selfApproval.reason).toBe(`agent 'finance-a' already performed step 'draft' of payment "p1"; 'approve' needs a different actor`);
    expect(flow.call('payments.approve', { id: 'finance-b' })).toMatchObject({ kind: 'sanitize', code: 'OK', dutySteps: [{ step: 'approve' }] });
    expect(flow.call('payments.release', { id: 'finance-b' })).toMatchObject({ kind: 'deny', code: 'SOD_DUTY_CONFLICT' });
    expect(flow.call('payments.release', { id: 'finance-c' })).toMatchObject({ kind: 'sanitize', code: 'OK' });
    expect(flow.ledger.map((entry) => `${entry.step}:${entry.agentId}`)).toEqual(['draft:finance-a', 'approve:finance-b', 'release:finance-c']);
  });

  it('the same initiator through a different agent is the same actor', () => {
    const flow = new Workflow();
    flow.call('payments.create', { id: 'finance-a', initiator: 'sso:alice' }, DRAFT);
    expect(flow.call('payments.approve', { id: 'finance-b', initiator: 'sso:alice' })).toMatchObject({ kind: 'deny', code: 'SOD_DUTY_CONFLICT' });
    expect(flow.call('payments.approve', { id: 'finance-b', initiator: 'sso:bob' })).toMatchObject({ kind: 'sanitize' });
  });

  it('an ancestor that performed a step is the same actor (no laundering through a child)', () => {
    const flow = new Workflow();
    flow.call('payments.create', { id: 'finance-lead', parentId: 'root', ancestors: ['root'] }, DRAFT);
    const decision = flow.call('payments.approve', { id: 'finance-child', parentId: 'finance-lead', ancestors: ['root', 'finance-lead'] });
    expect(decision).toMatchObject({ kind: 'deny', code: 'SOD_DUTY_CONFLICT' });
    expect(decision.reason).toContain("ancestor agent 'finance-lead'");
  });

  it('repeating the same step, or acting on another resource, is no conflict', () => {
    const flow = new Workflow();
    flow.call('payments.create', { id: 'finance-a' }, DRAFT);
    expect(flow.call('payments.approve', { id: 'finance-b' }).kind).toBe('sanitize');
    expect(flow.call('payments.approve', { id: 'finance-b' }).kind).toBe('sanitize');
    expect(flow.call('payments.approve', { id: 'finance-a' }, { payment_id: 'p2' }).kind).toBe('sanitize');
  });

  it('a duty check whose resource cannot be named fails closed', () => {
    const decision = evaluate(EXAMPLE, callOf('payments.approve', {}, { id: 'finance-b' }));
    expect(decision).toMatchObject({ kind: 'deny', code: 'SOD_DUTY_CONFLICT' });
    expect(decision.reason).toContain('params.payment_id');
    expect(evaluate(EXAMPLE, callOf('payments.approve', { payment_id: { id: 'p1' } }, { id: 'b' })).code).toBe('SOD_DUTY_CONFLICT');
  });
});

describe('dutyStepsFor', () => {
  const policy = policyOf(`version: "1"
tools:
  - { name: a, match: { path: /a } }
  - { name: b, match: { path: /b } }
  - { name: mcp, match: { path: /mcp }, protocol: mcp }
duties:
  ticket: { resource: params.ticket.id, steps: { open: [a], close: ["mcp:close_*"], note: [b] }, distinct: [open, close] }
  other: { resource: params.ref, steps: { one: [a], two: [b] }, distinct: [one, two] }
rules: []
`);

  it.each([
    ['nested resource path and a second duty', 'a', { ticket: { id: 'T-1' }, ref: 'R' }, [
      { duty: 'ticket', resource: 'T-1', step: 'open', distinct: ['open', 'close'] },
      { duty: 'other', resource: 'R', step: 'one', distinct: ['one', 'two'] },
    ]],
    ['a numeric resource is its decimal string', 'b', { ticket: { id: 42 } }, [{ duty: 'ticket', resource: '42', step: 'note', distinct: ['open', 'close'] }]],
    ['a missing or empty resource is left out', 'a', { ticket: {}, ref: '' }, []],
    ['an MCP tool through a wildcard step', 'mcp:close_ticket', { ticket: { id: 'T-2' } }, [{ duty: 'ticket', resource: 'T-2', step: 'close', distinct: ['open', 'close'] }]],
    ['a tool in no duty', 'mcp:open_ticket', { ticket: { id: 'T-2' } }, []],
  ] as const)('%s', (_name, tool, params, expected) => {
    expect(dutyStepsFor(policy, callOf(tool, params).tool)).toEqual(expected);
  });

  it('a step outside `distinct` never conflicts', () => {
    const loose = policyOf(`version: "1"
tools: [{ name: a, match: { path: /a } }, { name: b, match: { path: /b } }, { name: c, match: { path: /c } }]
duties:
  t: { resource: params.id, steps: { open: [a], note: [b], log: [c] }, distinct: [open, note] }
rules:
  - { id: r, tools: [c], require: { duty: t }, effect: allow }
`);
    const ledger = [{ duty: 't', resource: 'x', step: 'open', agentId: 'agent-a', at: 0 }];
    expect(evaluate(loose, callOf('c', { id: 'x' }, {}, ledger)).kind).toBe('allow');
  });
});
