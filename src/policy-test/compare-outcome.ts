import type { CheckOutcome } from '../check/outcome.js';
import { canonicalJson } from '../policy/policy-hash.js';
import type { RequestJudgement } from '../policy/judge-call.js';
import type { CaseExpectation } from './policy-case.js';

/**
 * What differs between an outcome and a case's expectation, one line per field, empty when the
 * case passes. Only the fields the case names are compared; `null` means "must be absent".
 */
export function compareOutcome(outcome: CheckOutcome, want: CaseExpectation): string[] {
  const problems: string[] = [];
  const check = (field: string, expected: unknown, actual: unknown) => {
    if (expected === undefined) return;
    // Canonical JSON: header maps compare equal whatever their key order.
    if (canonicalJson(expected ?? null) !== canonicalJson(actual ?? null)) {
      problems.push(`${field}: expected ${show(expected)}, got ${show(actual)}`);
    }
  };
  check('decision', want.decision, outcome.decision);
  check('code', want.code, outcome.code);
  check('tool', want.tool, outcome.tool);
  check('rule', want.rule, outcome.ruleId);
  check('clause', want.clause, outcome.clause?.name);
  check('shadow', want.shadow, outcome.shadow);
  check('would_block', want.wouldBlock, outcome.wouldBlock);
  check('shadow_code', want.shadowCode, outcome.wouldBlockCode);
  check('lifted_by', want.liftedBy, outcome.liftedBy);
  if (want.reason !== undefined && !(outcome.reason ?? '').includes(want.reason)) {
    problems.push(`reason: expected it to contain ${show(want.reason)}, got ${show(outcome.reason)}`);
  }
  const changes = outcome.changes;
  check('set_headers', want.setHeaders, changes?.setHeaders ?? {});
  check('remove_headers', want.removeHeaders && [...want.removeHeaders].sort(), [...(changes?.removeHeaders ?? [])].sort());
  check('set_query', want.setQuery, changes?.setQuery ?? {});
  check('remove_query', want.removeQuery && [...want.removeQuery].sort(), [...(changes?.removeQuery ?? [])].sort());
  return problems;
}

/**
 * What differs between the engine's judgement and the engine details a case names (approvals,
 * duty_steps, matched_rules), one line per field; empty when it names none or they agree.
 */
export function compareEngineDetails(judgement: RequestJudgement, want: CaseExpectation): string[] {
  const problems: string[] = [];
  const check = (field: string, expected: unknown, actual: unknown) => {
    if (expected === undefined) return;
    if (canonicalJson(expected ?? null) !== canonicalJson(actual ?? null)) problems.push(`${field}: expected ${show(expected)}, got ${show(actual)}`);
  };
  const { decision } = judgement;
  check('approvals', want.approvals, decision.approvals?.map((each) => ({ rule: each.ruleId, approvers: each.approvers, quorum: each.quorum, ttlMs: each.ttlMs })) ?? null);
  check('duty_steps', want.dutySteps, decision.dutySteps.map((step) => `${step.duty}/${step.resource}/${step.step}`));
  check('matched_rules', want.matchedRules, decision.matchedRules);
  return problems;
}

/** Whether a case names any engine detail (so `policy test` must judge it with the engine too). */
export function namesEngineDetails(want: CaseExpectation): boolean {
  return want.approvals !== undefined || want.dutySteps !== undefined || want.matchedRules !== undefined;
}

/** One line describing an outcome, for failure messages: `deny NO_RULE (tool payments.create, no rule)`. */
export function describeOutcome(outcome: CheckOutcome): string {
  const parts = [
    outcome.tool === undefined ? 'no tool' : `tool ${outcome.tool}`,
    outcome.ruleId === undefined ? 'no rule' : `rule ${outcome.ruleId}`,
    ...(outcome.wouldBlock ? ['would block'] : []),
    ...(outcome.liftedBy === undefined ? [] : [`lifted by ${outcome.liftedBy}`]),
    ...(outcome.reason === undefined ? [] : [`reason: ${outcome.reason}`]),
  ];
  return `${outcome.decision} ${outcome.code} (${parts.join(', ')})`;
}

function show(value: unknown): string {
  return value === undefined || value === null ? 'none' : JSON.stringify(value);
}
