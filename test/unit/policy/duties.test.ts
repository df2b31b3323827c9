import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ledgerEntryOf } from '../../../src/policy/duty-conflict.js';
import { dutyStepsFor, evaluate } from '../../../src/policy/evaluate.js';
import type { EvaluationInput, LedgerEntry } from '../../../src/policy/types.js';
import { callOf, policyOf } from './fixtures.js';

const EXAMPLE = policyOf(readFileSync(new URL('../../vectors/payments/policy.yaml', import.meta.url), 'utf8'));

/** Plays calls against the example policy the way the Check path does: commit steps when let through. */
class Workflow {
  readonly ledger: LedgerEntry[] = [];

  call(tool: string, agent: Partial<EvaluationInput['agent']>, params: Record<string, unknown> = { payment_id: 'p1' }) {
    // Each agent has its own orchestrator unless the case says otherwise: a shared one is one actor (lineage).
    const parent = `orchestrator-of-${agent.id ?? 'agent'}`;
    const input = callOf(tool, params, { parentId: parent, ancestors: [parent], ...agent });
    const decision = evaluate(EXAMPLE, { ...input, ledger: this.ledger });
    if (decision.kind === 'allow' || decision.kind === 'sanitize') {
      const { id, initiator, ancestors } = input.agent;
      for (const step of decision.dutySteps) this.ledger.push(ledgerEntryOf(step, { agentId: id, ancestors, ...(initiator ? { initiator } : {}) }, 0));
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

  it('a duty step whose resource cannot be named is denied SOD_RESOURCE_INVALID with the duty clause', () => {
    const decision = evaluate(EXAMPLE, callOf('payments.approve', {}, { id: 'finance-b' }));
    expect(decision).toMatchObject({ kind: 'deny', code: 'SOD_RESOURCE_INVALID', clause: { name: 'SOD_RESOURCE_INVALID' }, dutySteps: [] });
    expect(decision.reason).toBe("step 'approve' of duty 'payment': params.payment_id is missing");
    expect(evaluate(EXAMPLE, callOf('payments.approve', { payment_id: { id: 'p1' } }, { id: 'b' })).code).toBe('SOD_RESOURCE_INVALID');
  });

  it('the orchestrator behind two children is one actor (distinct_by: lineage, the default)', () => {
    const flow = new Workflow();
    flow.call('payments.create', { id: 'finance-a', parentId: 'planner', ancestors: ['planner'] }, DRAFT);
    const decision = flow.call('payments.approve', { id: 'finance-b', parentId: 'planner', ancestors: ['planner'] });
    expect(decision).toMatchObject({ kind: 'deny', code: 'SOD_DUTY_CONFLICT' });
    expect(decision.reason).toContain("ancestor agent 'planner'");
    expect(flow.call('payments.approve', { id: 'finance-b', parentId: 'reviewer', ancestors: ['reviewer'] }).kind).toBe('sanitize');
  });
});

describe('dutyStepsFor', () => {
  const policy = policyOf(`version: "1"
tools:
  - { name: a, match: { path: /a } }
  - { name: b, match: { path: /b } }
  - { name: mcp, match: { path: /mcp }, protocol: mcp }
duties:
  ticket: { resource: { param: ticket.id, pattern: "^T-[0-9]+$" }, steps: { open: [a], close: ["mcp:close_*"], note: [b] }, distinct: [open, close] }
  other: { resource: { param: ref, type: integer }, steps: { one: [a], two: [b] }, distinct: [one, two], distinct_by: agent }
rules: []
`);
  const T = { distinct: ['open', 'close'], distinctBy: 'lineage' };

  it.each([
    ['nested resource path and a second duty', 'a', { ticket: { id: 'T-1' }, ref: '7' }, [
      { duty: 'ticket', resource: 'T-1', step: 'open', ...T },
      { duty: 'other', resource: '7', step: 'one', distinct: ['one', 'two'], distinctBy: 'agent' },
    ]],
    ['an integer resource: a JSON number and its decimal string are one key', 'b', { ticket: { id: 'T-9' }, ref: 42 }, [
      { duty: 'ticket', resource: 'T-9', step: 'note', ...T },
      { duty: 'other', resource: '42', step: 'two', distinct: ['one', 'two'], distinctBy: 'agent' },
    ]],
    ['a missing or empty resource is left out (evaluate denies it)', 'a', { ticket: {}, ref: '' }, []],
    ['an MCP tool through a wildcard step', 'mcp:close_ticket', { ticket: { id: 'T-2' } }, [{ duty: 'ticket', resource: 'T-2', step: 'close', ...T }]],
    ['a tool in no duty', 'mcp:open_ticket', { ticket: { id: 'T-2' } }, []],
  ] as const)('%s', (_name, tool, params, expected) => {
    expect(dutyStepsFor(policy, callOf(tool, params).tool)).toEqual(expected);
  });

  it('a step outside `distinct` never conflicts', () => {
    const loose = policyOf(`version: "1"
tools: [{ name: a, match: { path: /a } }, { name: b, match: { path: /b } }, { name: c, match: { path: /c } }]
duties:
  t: { resource: { param: id, pattern: "^[a-z]+$" }, steps: { open: [a], note: [b], log: [c] }, distinct: [open, note] }
rules:
  - { id: r, tools: [c], require: { duty: t }, effect: allow }
`);
    const ledger = [{ duty: 't', resource: 'x', step: 'open', agentId: 'agent-a', at: 0 }];
    expect(evaluate(loose, callOf('c', { id: 'x' }, {}, ledger)).kind).toBe('allow');
  });
});
