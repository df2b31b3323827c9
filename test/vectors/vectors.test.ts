import { describe, expect, it } from 'vitest';
import type { CompiledPolicy } from '../../src/policy/compile-policy.js';
import { judgeRequest } from '../../src/policy/judge-call.js';
import { loadPolicy } from '../../src/policy/load-policy.js';
import type { Decision, DutyStep, ToolCall } from '../../src/policy/types.js';
import { loadVectorSuites, toHttpRequest, type VectorCase, type VectorExpectation } from './load-vectors.js';

const LIMITS = { maxBodyBytes: 65_536, maxJsonDepth: 32 };

/**
 * The engine half of a Check — the policy's one judgement (src/policy/judge-call.ts), as the gate
 * and `policy dry-run` run it: request → tool call → decision → the commit's conflict check, the
 * ledger read as the state store would (only the entries of the resources this call touches).
 */
function decide(policy: CompiledPolicy, vector: VectorCase): { tool: ToolCall | undefined; decision: Decision } {
  const agent = vector.agent;
  const actor = {
    agentId: agent.id,
    ancestors: agent.ancestors,
    ...(agent.parentId === undefined ? {} : { parentId: agent.parentId }),
    ...(agent.initiator === undefined ? {} : { initiator: agent.initiator }),
  };
  const ledgerFor = (steps: readonly DutyStep[]) => vector.ledger.filter((entry) => steps.some((step) => step.duty === entry.duty && step.resource === entry.resource));
  const { tool, decision } = judgeRequest(policy, toHttpRequest(vector.request), LIMITS, actor, ledgerFor);
  return { tool, decision };
}

/** The decision projected onto the fields the vector names (so unnamed fields are not checked). */
function project(tool: ToolCall | undefined, decision: Decision, want: VectorExpectation): VectorExpectation {
  const has = (key: keyof VectorExpectation) => Object.hasOwn(want, key);
  return {
    kind: decision.kind,
    code: decision.code,
    ...(has('tool') ? { tool: tool?.name ?? null } : {}),
    ...(has('rule') ? { rule: decision.ruleId ?? null } : {}),
    ...(has('clause') ? { clause: decision.clause?.name ?? null } : {}),
    ...(has('shadow') ? { shadow: decision.shadow } : {}),
    ...(has('wouldBlock') ? { wouldBlock: decision.wouldBlock } : {}),
    ...(has('shadowCode') && decision.shadowCode ? { shadowCode: decision.shadowCode } : {}),
    ...(has('changes') ? { changes: decision.changes ?? null } : {}),
    // The vector format states which rules, who, how many and how long; reasons and follow-ups are tested in test/unit/policy.
    ...(has('approvals') ? { approvals: decision.approvals?.map((each) => ({ rule: each.ruleId, approvers: each.approvers, quorum: each.quorum, ttlMs: each.ttlMs })) ?? null } : {}),
    ...(has('dutySteps') ? { dutySteps: decision.dutySteps.map((step) => `${step.duty}/${step.resource}/${step.step}`) } : {}),
    ...(has('matchedRules') ? { matchedRules: decision.matchedRules } : {}),
  };
}

const suites = loadVectorSuites();

describe('policy vectors', () => {
  it('has suites, each with uniquely named cases', () => {
    expect(suites.map((suite) => suite.name)).toEqual(expect.arrayContaining(['mcp', 'payments', 'rules', 'shadow']));
    for (const suite of suites) expect(new Set(suite.cases.map((c) => c.name)).size, suite.name).toBe(suite.cases.length);
  });

  for (const suite of suites) {
    describe(suite.name, async () => {
      const policy = await loadPolicy(suite.policyFile);
      it.each(suite.cases.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
        const { tool, decision } = decide(policy, vector);
        expect(project(tool, decision, vector.expect)).toEqual(vector.expect);
        // Every block quotes its rule text, except the policy default and refused requests.
        if ((decision.kind === 'deny' || decision.kind === 'approval_needed') && decision.ruleId !== undefined) {
          expect(decision.clause?.text).toBeTruthy();
        }
      });
    });
  }
});
