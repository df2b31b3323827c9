/**
 * The engine vectors against the policy engine alone: each case judged by `judgeCase` (the
 * composition the gate runs stage by stage: src/policy/judge-call.ts) and compared by the same
 * functions `policy test` uses — the outcome fields and the engine details (matched rules, duty
 * steps, approval rules).
 */
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/policy/load-policy.js';
import { judgeCase, outcomeOfJudgement } from '../../src/policy-test/case-engine.js';
import { compareEngineDetails, compareOutcome } from '../../src/policy-test/compare-outcome.js';
import { loadVectorSuites } from './vector-suites.js';

const LIMITS = { maxBodyBytes: 65_536, maxJsonDepth: 32 };
const suites = await loadVectorSuites();

describe('policy vectors', () => {
  it('has suites, each with uniquely named cases', () => {
    expect(suites.map((suite) => suite.name)).toEqual(expect.arrayContaining(['mcp', 'payments', 'rules', 'shadow']));
    for (const suite of suites) expect(suite.cases.cases.length, suite.name).toBeGreaterThan(3);
  });

  for (const suite of suites) {
    describe(suite.name, async () => {
      const policy = await loadPolicy(suite.policyFile);
      it.each(suite.cases.cases.map((testCase) => [testCase.name, testCase] as const))('%s', (_name, testCase) => {
        const judgement = judgeCase(policy, testCase, LIMITS);
        expect([...compareOutcome(outcomeOfJudgement(judgement), testCase.expect), ...compareEngineDetails(judgement, testCase.expect)]).toEqual([]);
        // Every block quotes its rule text, except the policy default and refused requests.
        const { decision } = judgement;
        if ((decision.kind === 'deny' || decision.kind === 'approval_needed') && decision.ruleId !== undefined) {
          expect(decision.clause?.text).toBeTruthy();
        }
      });
    });
  }

  it('can fail: a flipped expectation is reported', async () => {
    const suite = suites.find((each) => each.name === 'payments')!;
    const policy = await loadPolicy(suite.policyFile);
    const testCase = suite.cases.cases[0]!;
    const judgement = judgeCase(policy, testCase, LIMITS);
    expect(compareOutcome(outcomeOfJudgement(judgement), { ...testCase.expect, decision: 'deny' })).toEqual(['decision: expected "deny", got "allow"']);
    expect(compareEngineDetails(judgement, { ...testCase.expect, matchedRules: ['nope'] })).toEqual(['matched_rules: expected ["nope"], got ["finance-payments"]']);
  });
});
