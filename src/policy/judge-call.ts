/**
 * The policy's whole judgement of one request (docs/design.md §4), in one place: request →
 * tool (`mapping/`), tool + agent + ledger → decision (`evaluate`), decision → the duty steps
 * the ledger commit must check, and a conflict found at commit → the final decision. Pure and
 * synchronous. The gate runs the stages one by one (the ledger is read and committed in between,
 * under the Check's deadline); `policy dry-run` / replay and the engine vectors run
 * {@link judgeRequest}, which composes the same stages over an in-memory ledger — so a change
 * of semantics is made once.
 */
import { isDutygateError } from '../errors.js';
import type { HttpRequest } from '../request/http-request.js';
import type { CompiledPolicy } from './compiled.js';
import { decideUnmapped } from './decide-unmapped.js';
import { findDutyConflict, type DutyActor } from './duty-conflict.js';
import { dutyStepsFor, evaluate } from './evaluate.js';
import { mapRequest, type MappingLimits } from './mapping/map-request.js';
import type { Decision, DutyStep, EvaluationInput, LedgerEntry, ToolCall } from './types.js';

/** What mapping made of a request: a tool call, or the decision for a request that maps to none. */
export type MappedRequest = { readonly tool: ToolCall } | { readonly unmapped: Decision };

/**
 * Request → tool call. A request that maps to no tool is judged by the policy default
 * (`NO_TOOL`); a body or MCP envelope the mapper refuses (BODY_*, MCP_*) is a deny whatever the
 * default. Both honour shadow mode (see `decideUnmapped`).
 */
export function mapCall(policy: CompiledPolicy, request: HttpRequest, limits: MappingLimits): MappedRequest {
  let tool: ToolCall | undefined;
  try {
    tool = mapRequest(policy, request, limits);
  } catch (error) {
    if (!isDutygateError(error)) throw error;
    return { unmapped: decideUnmapped(policy, error.code, error.reason) };
  }
  if (tool) return { tool };
  return { unmapped: decideUnmapped(policy, 'NO_TOOL', `${request.method} ${request.host}${request.path} maps to no tool of the policy`) };
}

/** The ledger keys a tool call's duty steps touch (what must be read), and the pure evaluation. */
export { dutyStepsFor, evaluate };

/**
 * An approval_needed decision lifted by a redeemed override token or a break-glass grant: the
 * approved call goes on like an allow, its duty steps committed. Only approval_needed is ever
 * lifted — a deny stays a deny whatever token comes with it.
 */
export function liftApproval(decision: Decision): Decision {
  if (decision.kind !== 'approval_needed') return decision;
  return { ...decision, kind: 'allow', code: 'OK' };
}

/**
 * The duty steps an allowed call commits, each marked `enforced` when a matched rule requires its
 * duty (`require: { duty }`): only those can conflict at commit, as only those are checked by
 * `evaluate()`; the others are recorded. Empty when the decision lets nothing through.
 */
export function stepsToCommit(policy: CompiledPolicy, decision: Decision): DutyStep[] {
  if ((decision.kind !== 'allow' && decision.kind !== 'sanitize') || decision.dutySteps.length === 0) return [];
  const required = requiringRules(policy, decision);
  return decision.dutySteps.map((step) => ({ ...step, enforced: required.has(step.duty) }));
}

/**
 * The decision once the atomic ledger commit found `conflict` (two replicas, or two concurrent
 * Checks, can both pass `evaluate()` on one ledger snapshot; the commit is the arbiter): a deny
 * SOD_DUTY_CONFLICT quoting the requiring rule's clause — or, when that rule or the decision is
 * in shadow mode, the allow it was, flagged would-block.
 */
export function conflictAtCommit(policy: CompiledPolicy, decision: Decision, conflict: LedgerEntry): Decision {
  const rule = policy.rules.find((candidate) => candidate.id === requiringRules(policy, decision).get(conflict.duty));
  const reason = `step '${conflict.step}' of ${conflict.duty} ${JSON.stringify(conflict.resource)} was already performed by the same actor`;
  if (decision.shadow || rule?.mode === 'shadow') return { ...decision, shadow: true, wouldBlock: true, shadowKind: 'deny', shadowCode: 'SOD_DUTY_CONFLICT', reason };
  return {
    ...decision,
    kind: 'deny',
    code: 'SOD_DUTY_CONFLICT',
    reason,
    ...(rule ? { ruleId: rule.id, clause: rule.requireClauses.SOD_DUTY_CONFLICT } : {}),
    changes: undefined,
  };
}

/** The verdict of {@link judgeRequest}. */
export interface RequestJudgement {
  /** Absent when the request mapped to no tool. */
  readonly tool?: ToolCall;
  readonly decision: Decision;
  /** The steps committed to the ledger (empty unless the call was let through). */
  readonly committed: readonly DutyStep[];
}

/**
 * Every stage at once, over a ledger held by the caller (`ledgerFor` answers the entries of the
 * given steps' resources): mapping, evaluation, then — when the call is let through — the
 * commit check the gate's state store makes atomically. `lifted` judges the call as if an
 * override token had been redeemed for it. Used by `policy dry-run` / replay and the engine
 * vectors; the gate runs the same stages around its state store.
 */
export function judgeRequest(
  policy: CompiledPolicy,
  request: HttpRequest,
  limits: MappingLimits,
  actor: DutyActor & { readonly parentId?: string; readonly issuer?: string },
  ledgerFor: (steps: readonly DutyStep[]) => readonly LedgerEntry[],
  options: { readonly lifted?: boolean } = {},
): RequestJudgement {
  const mapped = mapCall(policy, request, limits);
  if ('unmapped' in mapped) return { decision: mapped.unmapped, committed: [] };
  return judgeMapped(policy, mapped.tool, actor, ledgerFor, options);
}

/** {@link judgeRequest} for a call already mapped (a decision-log record names its tool and params). */
export function judgeMapped(
  policy: CompiledPolicy,
  tool: ToolCall,
  actor: DutyActor & { readonly parentId?: string; readonly issuer?: string },
  ledgerFor: (steps: readonly DutyStep[]) => readonly LedgerEntry[],
  options: { readonly lifted?: boolean } = {},
): RequestJudgement {
  const steps = dutyStepsFor(policy, tool);
  const ledger = steps.length > 0 ? ledgerFor(steps) : [];
  let decision = evaluate(policy, { agent: agentOf(actor), tool, ledger });
  if (options.lifted) decision = liftApproval(decision);
  const commit = stepsToCommit(policy, decision);
  const conflict = commit.length > 0 ? findDutyConflict(ledger, commit, actor) : undefined;
  if (conflict) return { tool, decision: conflictAtCommit(policy, decision, conflict), committed: [] };
  return { tool, decision, committed: commit };
}

/** The `agent` of an evaluation input, from the duty actor. */
export function agentOf(actor: DutyActor & { readonly parentId?: string; readonly issuer?: string }): EvaluationInput['agent'] {
  return {
    id: actor.agentId,
    ...(actor.parentId === undefined ? {} : { parentId: actor.parentId }),
    ...(actor.issuer === undefined ? {} : { issuer: actor.issuer }),
    ...(actor.initiator === undefined ? {} : { initiator: actor.initiator }),
    ancestors: actor.ancestors ?? [],
  };
}

/** Duty → the first matched rule that requires it. */
function requiringRules(policy: CompiledPolicy, decision: Decision): Map<string, string> {
  const requiring = new Map<string, string>();
  for (const rule of policy.rules) {
    if (rule.require.duty !== undefined && decision.matchedRules.includes(rule.id) && !requiring.has(rule.require.duty)) {
      requiring.set(rule.require.duty, rule.id);
    }
  }
  return requiring;
}
