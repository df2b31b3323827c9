import type { Code } from '../errors.js';
import type { CompiledPolicy, CompiledRule } from './compiled.js';
import { FALSE, judgeConditions, TRUE, UNKNOWN, unknownConditions, type Truth } from './conditions.js';
import { dutyViolation, resolveDutySteps } from './duties.js';
import { matchesAny } from './glob.js';
import { mergeChanges } from './merge-changes.js';
import { rulesForTool } from './rule-index.js';
import type { ApprovalRequirement, ClauseRef, Decision, DecisionKind, DutyStep, EvaluationInput, RequestChanges } from './types.js';

export { dutyStepsFor } from './duties.js';

/** What one set of rules (all of them, or the enforce-mode ones) decides. */
interface Verdict {
  readonly kind: DecisionKind;
  readonly code: Code;
  readonly rule?: CompiledRule;
  readonly clause?: ClauseRef;
  readonly reason?: string;
  readonly changes?: RequestChanges;
  /** approval_needed: every matching approval rule of the set, in policy order (issue 12 item 3). */
  readonly approvals?: readonly ApprovalRequirement[];
}

const DEFAULT_ALLOW: Verdict = { kind: 'allow', code: 'OK' };
const NO_MATCHES: readonly string[] = Object.freeze([]);

/**
 * Decides a mapped tool call (docs/design.md §4). Pure and synchronous: no clock, no I/O; the ledger
 * entries for the call's duty steps come in `input.ledger`.
 *
 * A rule matches when its tools, `agents`/`parents` globs and `params` conditions match (an
 * UNKNOWN condition — missing param, wrong type — fails an allow rule and holds for a deny or
 * approval_needed rule). A matching rule whose `require` fails is a deny with that code. Rules
 * combine deny-overrides: deny, else approval_needed, else allow (sanitize when an allow rule has
 * changes; all matching allow rules' changes are merged), else the policy default (NO_RULE, no
 * clause). An approval_needed decision lists every matching enforced approval rule in
 * `approvals` (issue 12 item 3): the first decides the code and clause, all of them must approve.
 *
 * Shadow: the *real* decision uses every matching rule; the *enforced* decision uses only the
 * enforce-mode ones, so a shadow rule can never change what is enforced — its deny does not
 * block, its allow does not open — and under `mode: shadow` (policy) the enforced fallback is
 * allow. When the two differ, or a shadow policy's fallback decided, `shadow` is set and
 * `shadowKind` / `shadowCode` carry the real decision; `wouldBlock` says it would have blocked.
 * A rule pinned to `mode: enforce` in a shadow policy decides like any enforced rule.
 *
 * A call that performs a duty step whose resource is missing or does not fit the duty's
 * resource rule is denied SOD_RESOURCE_INVALID with the duty's clause, whatever the rules say.
 */
export function evaluate(policy: CompiledPolicy, input: EvaluationInput): Decision {
  let matched: string[] | undefined;
  const all = new Tally();
  const enforced = new Tally();
  for (const rule of rulesForTool(policy, input.tool.name)) {
    const truth = targetTruth(rule, input);
    if (truth === FALSE || (truth === UNKNOWN && !rule.failClosed)) continue;
    (matched ??= []).push(rule.id);
    const verdict = ruleVerdict(policy, rule, input, truth);
    all.add(rule, verdict);
    if (rule.mode === 'enforce') enforced.add(rule, verdict);
  }
  const fallback = defaultVerdict(policy, input);
  // A duty step whose resource cannot be named is a deny before any rule (issue 12 item 1): an
  // allow rule must not let an unrecordable step through. Policy-level, so it follows the policy's mode.
  const { steps, invalid } = resolveDutySteps(policy, input.tool);
  const resourceDeny: Verdict | undefined = invalid && { kind: 'deny', code: 'SOD_RESOURCE_INVALID', clause: invalid.spec.clause, reason: invalid.reason };
  const real = resourceDeny ?? all.result() ?? fallback;
  const enforcedDeny = policy.mode === 'enforce' ? resourceDeny : undefined;
  const enforce = enforcedDeny ?? enforced.result() ?? (policy.mode === 'shadow' ? DEFAULT_ALLOW : fallback);
  return combineVerdicts(policy, steps, real, enforce, matched ?? NO_MATCHES);
}

/** Tool name is already matched by the index; agents, parents, issuers and params remain. */
function targetTruth(rule: CompiledRule, input: EvaluationInput): Truth {
  const { agent } = input;
  if (rule.agents && !matchesAny(rule.agents, agent.id)) return FALSE;
  if (rule.parents && (agent.parentId === undefined || !matchesAny(rule.parents, agent.parentId))) return FALSE;
  if (rule.issuers && agent.issuer !== undefined && !rule.issuers.has(agent.issuer)) return FALSE;
  const params = rule.params.length === 0 ? TRUE : judgeConditions(rule.params, input.tool.params);
  // An issuer not known to the caller cannot be judged: fail closed like an unjudged param.
  return rule.issuers && agent.issuer === undefined && params === TRUE ? UNKNOWN : params;
}

/** The verdict of one matching rule; undefined means a plain allow (the common case, no allocation). */
function ruleVerdict(policy: CompiledPolicy, rule: CompiledRule, input: EvaluationInput, truth: Truth): Verdict | undefined {
  const { agent } = input;
  const { require, requireClauses } = rule;
  if (require.parentAgentId) {
    const attested = agent.parentId !== undefined && agent.ancestors[agent.ancestors.length - 1] === agent.parentId;
    if (!attested) {
      const reason = agent.parentId === undefined ? 'this tool needs a delegated agent: a token with parent_agent_id and its x-agent-chain' : 'the parent agent is not attested by x-agent-chain';
      return { kind: 'deny', code: 'CHAIN_REQUIRED', rule, clause: requireClauses.CHAIN_REQUIRED, reason };
    }
  }
  if (require.differentAgentId && (agent.id === agent.parentId || agent.ancestors.includes(agent.id))) {
    return { kind: 'deny', code: 'SOD_SAME_AGENT', rule, clause: requireClauses.SOD_SAME_AGENT, reason: `agent '${agent.id}' is its own parent or ancestor` };
  }
  if (require.duty !== undefined) {
    const reason = dutyViolation(policy, require.duty, input);
    if (reason) return { kind: 'deny', code: 'SOD_DUTY_CONFLICT', rule, clause: requireClauses.SOD_DUTY_CONFLICT, reason };
  }
  if (rule.effect === 'allow') return undefined;
  const reason = truth === UNKNOWN ? unjudgedReason(rule, input) : undefined;
  const kind = rule.effect;
  // No spreads: every deny and approval rule that matches makes one of these.
  const verdict: { -readonly [K in keyof Verdict]: Verdict[K] } = { kind, code: kind === 'deny' ? 'POLICY_DENY' : 'APPROVAL_REQUIRED', rule };
  if (rule.clause) verdict.clause = rule.clause;
  if (reason) verdict.reason = reason;
  return verdict;
}

function unjudgedReason(rule: CompiledRule, input: EvaluationInput): string {
  const keys = unknownConditions(rule.params, input.tool.params).map((key) => `'${key}'`);
  if (keys.length === 0) return `the calling agent's issuer is not known, so its issuers condition cannot be judged; rule '${rule.id}' applies`;
  return `param ${keys.join(', ')} is missing or of a type its condition cannot judge (no coercion); rule '${rule.id}' applies`;
}

function defaultVerdict(policy: CompiledPolicy, input: EvaluationInput): Verdict {
  if (policy.default === 'allow') return DEFAULT_ALLOW;
  return { kind: 'deny', code: 'NO_RULE', reason: `no rule allows tool '${input.tool.name}'` };
}

/** Deny-overrides over the matching rules of one set, in policy order. */
class Tally {
  private deny: Verdict | undefined;
  private approval: Verdict | undefined;
  /** Every matching approval rule, not only the first: each one's approvers must agree. */
  private approvals: ApprovalRequirement[] | undefined;
  private firstAllow: CompiledRule | undefined;
  private withChanges: CompiledRule[] | undefined;

  add(rule: CompiledRule, verdict: Verdict | undefined): void {
    if (verdict === undefined) {
      this.firstAllow ??= rule;
      if (rule.changes) (this.withChanges ??= []).push(rule);
    } else if (verdict.kind === 'deny') {
      this.deny ??= verdict;
    } else {
      this.approval ??= verdict;
      if (rule.approval) (this.approvals ??= []).push({ ruleId: rule.id, ...(verdict.clause ? { clause: verdict.clause } : {}), ...rule.approval });
    }
  }

  result(): Verdict | undefined {
    if (this.deny) return this.deny;
    if (this.approval) return this.approvals ? { ...this.approval, approvals: this.approvals } : this.approval;
    if (!this.firstAllow) return undefined;
    if (!this.withChanges) return { kind: 'allow', code: 'OK', rule: this.firstAllow };
    return { kind: 'sanitize', code: 'OK', rule: this.firstAllow, changes: mergeChanges(this.withChanges) };
  }
}

function blocks(verdict: Verdict): boolean {
  return verdict.kind === 'deny' || verdict.kind === 'approval_needed';
}

/** A Decision under construction (see {@link combineVerdicts}). */
type DecisionDraft = { -readonly [K in keyof Decision]: Decision[K] };

// Built field by field, in the key order the object spreads this replaces produced (kind, code,
// ruleId, clause, reason, approvals | changes, shadow, wouldBlock, shadowKind, shadowCode,
// dutySteps, matchedRules): a decision is made for every Check, and each spread allocated a
// throw-away object.
function combineVerdicts(policy: CompiledPolicy, steps: readonly DutyStep[], real: Verdict, enforce: Verdict, matchedRules: readonly string[]): Decision {
  // Which rule decided may differ (a shadow deny listed before an enforced one) without shadow mattering.
  const differs = real.kind !== enforce.kind || real.code !== enforce.code;
  // Enforced verdicts come from enforce-mode rules; without one, from the policy's fallback.
  const shadow = differs || (enforce.rule === undefined && policy.mode === 'shadow');
  if (blocks(enforce)) {
    const decision = { kind: enforce.kind, code: enforce.code } as DecisionDraft;
    explain(decision, enforce);
    const approvals = enforce.kind === 'approval_needed' ? enforce.approvals : undefined;
    if (approvals) decision.approvals = approvals;
    return finish(decision, shadow, false, real, enforce.kind === 'approval_needed' ? steps : [], matchedRules);
  }
  // Let through. Report the rule (and clause) that would have blocked, else the one that allowed.
  const shown = blocks(real) ? real : (enforce.rule ? enforce : real);
  const decision = { kind: enforce.kind, code: 'OK' } as DecisionDraft;
  explain(decision, shown);
  if (enforce.changes) decision.changes = enforce.changes;
  return finish(decision, shadow, blocks(real), real, steps, matchedRules);
}

function explain(decision: DecisionDraft, verdict: Verdict): void {
  if (verdict.rule) decision.ruleId = verdict.rule.id;
  if (verdict.clause) decision.clause = verdict.clause;
  if (verdict.reason) decision.reason = verdict.reason;
}

function finish(decision: DecisionDraft, shadow: boolean, wouldBlock: boolean, real: Verdict, dutySteps: readonly DutyStep[], matchedRules: readonly string[]): Decision {
  decision.shadow = shadow;
  decision.wouldBlock = wouldBlock;
  if (shadow) {
    decision.shadowKind = real.kind;
    decision.shadowCode = real.code;
  }
  decision.dutySteps = dutySteps;
  decision.matchedRules = matchedRules;
  return decision;
}
