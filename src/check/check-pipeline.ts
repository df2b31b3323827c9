import { randomUUID } from 'node:crypto';
import { isDutygateError } from '../errors.js';
import { Deadline } from '../lib/deadline.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { CheckFunction } from './check-function.js';
import type { CheckOutcome, CheckPhase } from './outcome.js';
import { denyOutcome, type CallFacts } from './outcomes.js';
import { approvalPhase, chainPhase, dutiesPhase, identityPhase, mappingPhase, policyPhase, replayPhase, type PhaseDependencies, type PhaseInput } from './phases.js';

export type { AgentAuthenticator } from './phases.js';

/** Everything one Check needs, prepared once at start-up. */
export interface CheckDependencies extends PhaseDependencies {
  /** The policy currently in force (hot-reloaded); undefined until one loaded. */
  readonly policy: () => CompiledPolicy | undefined;
  readonly limits: PhaseDependencies['limits'] & {
    readonly maxBodyBytes: number;
    /** The whole Check's deadline when the transport brings none. */
    readonly checkTimeoutMs: number;
  };
  /** Milliseconds since the epoch (injected for tests). */
  readonly now?: () => number;
}

/**
 * Builds the Check pipeline (docs/design.md §1): identity → replay → chain → mapping → policy →
 * approval → duties, each phase a function that returns its value or the outcome that stops the
 * Check, the outcome carrying the phase that decided. The whole run is bounded by the Check's one
 * {@link Deadline} (the transport's, else `limits.checkTimeoutMs` from now), which every state call
 * and side effect asks first; a phase's `DutygateError` is a deny of that phase with its code,
 * anything unexpected an INTERNAL deny (fail closed). Never rejects.
 */
export function createCheckPipeline(deps: CheckDependencies): CheckFunction {
  const now = deps.now ?? Date.now;

  async function run(input: PhaseInput, at: { phase: CheckPhase }): Promise<CheckOutcome> {
    at.phase = 'identity';
    const token = await identityPhase(deps, input);
    if ('stop' in token) return token.stop;
    at.phase = 'replay';
    const spent = await replayPhase(deps, input, token.next);
    if ('stop' in spent) return spent.stop;
    at.phase = 'chain';
    const actor = await chainPhase(deps, input, token.next);
    if ('stop' in actor) return actor.stop;
    at.phase = 'mapping';
    const tool = mappingPhase(deps, input);
    if ('stop' in tool) return tool.stop;
    at.phase = 'policy';
    const decision = await policyPhase(deps, input, tool.next, actor.next);
    if ('stop' in decision) return decision.stop;
    at.phase = 'approval';
    const approved = await approvalPhase(deps, input, tool.next, actor.next, decision.next);
    if ('stop' in approved) return approved.stop;
    at.phase = 'duties';
    return dutiesPhase(deps, input, actor.next, approved.next.decision, approved.next.phase);
  }

  return async (request, context) => {
    const facts: CallFacts = { decisionId: context.decisionId ?? randomUUID() };
    if (context.traceparent !== undefined) facts.traceparent = context.traceparent;
    const deadline = context.deadline ?? Deadline.after(deps.limits.checkTimeoutMs);
    const at: { phase: CheckPhase } = { phase: 'policy' };
    try {
      const policy = deps.policy();
      if (!policy) return denyOutcome(facts, 'policy', { code: 'POLICY_UNAVAILABLE', reason: 'no valid policy is loaded' });
      facts.policyVersion = policy.policyVersion;
      return await deadline.race(run({ request, facts, deadline, policy, nowMs: now() }, at));
    } catch (error) {
      // The phase that was running: its DutygateError (TOKEN_*, CHAIN_INVALID, STATE_UNAVAILABLE,
      // the deadline's INTERNAL) is the deny; anything else fails closed without details.
      if (isDutygateError(error)) return denyOutcome(facts, at.phase, { code: error.code, reason: error.reason });
      return denyOutcome(facts, at.phase, { code: 'INTERNAL', reason: 'internal error; the gate fails closed' });
    } finally {
      deadline.finish();
    }
  };
}
