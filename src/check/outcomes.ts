import type { DenyCode } from '../errors.js';
import type { AgentClaims } from '../identity/types.js';
import type { Decision } from '../policy/types.js';
import type { CheckOutcome, CheckPhase } from './outcome.js';
import type { RequestStrip } from './request-hygiene.js';

/** What is known about the call so far; an outcome at any phase reports all of it. */
export interface CallFacts {
  readonly decisionId: string;
  policyVersion?: string;
  token?: AgentClaims;
  /** Attested ancestors' principals, root first (docs/design.md §2: each in its issuer's namespace). */
  chain?: readonly string[];
  /** The direct parent's principal: the last attested ancestor (the claim names it bare). */
  parent?: string;
  tool?: string;
  toolEntry?: string;
  jsonrpcId?: string;
  params?: Readonly<Record<string, unknown>>;
  approvalId?: string;
  statusUrl?: string;
  approvalExpiresAt?: number;
  liftedBy?: 'override' | 'break_glass';
  /** The trace this check continues (the `dutygate.check` span when audited), for approval links. */
  traceparent?: string;
  /** What the agent sent that the upstream must not see (request-hygiene.ts). */
  strip?: RequestStrip;
}

/** A deny a phase produced: its code, an agent-safe reason, and the decision it came from, if any. */
export interface Denial {
  readonly code: DenyCode;
  readonly reason?: string;
  readonly decision?: Decision;
}

/**
 * The outcome Envoy enforces for a policy decision reached in `phase`: allow / sanitize let the
 * call through; approval_needed is a deny that names the approval to wait for (or
 * APPROVAL_UNAVAILABLE when approvals are not enabled); deny quotes its rule.
 */
export function outcomeOf(facts: CallFacts, phase: CheckPhase, decision: Decision): CheckOutcome {
  if (decision.kind === 'allow' || decision.kind === 'sanitize') return allowOutcome(facts, phase, decision);
  if (decision.kind === 'approval_needed') {
    if (facts.approvalId === undefined) {
      return denyOutcome(facts, phase, { code: 'APPROVAL_UNAVAILABLE', reason: 'this call needs a human approval and approvals are not enabled on this gate', decision });
    }
    const reason = decision.reason ?? 'this call needs a human approval: poll status_url, then retry once with its override_token in x-dutygate-override';
    return denyOutcome(facts, phase, { code: 'APPROVAL_REQUIRED', reason, decision });
  }
  return denyOutcome(facts, phase, { code: decision.code as DenyCode, ...(decision.reason === undefined ? {} : { reason: decision.reason }), decision });
}

/**
 * A mutable outcome under construction. The builders below assign field by field, in the order
 * the object spreads they replace produced (the same keys, in the same order): an outcome is
 * built for every Check, and each spread allocated a throw-away object.
 */
type Draft = { -readonly [K in keyof CheckOutcome]: CheckOutcome[K] };

/** A deny (or approval_needed, when the denial carries that decision) reached in `phase`. */
export function denyOutcome(facts: CallFacts, phase: CheckPhase, denial: Denial): CheckOutcome {
  const { code, reason, decision } = denial;
  const outcome = identityFields(facts, decision?.kind === 'approval_needed' && code !== 'APPROVAL_UNAVAILABLE' ? 'approval_needed' : 'deny', code, phase);
  if (reason !== undefined) outcome.reason = reason;
  if (decision?.ruleId !== undefined) outcome.ruleId = decision.ruleId;
  if (decision?.clause !== undefined) outcome.clause = decision.clause;
  outcome.shadow = false;
  outcome.wouldBlock = false;
  return outcome;
}

function allowOutcome(facts: CallFacts, phase: CheckPhase, decision: Decision): CheckOutcome {
  const outcome = identityFields(facts, decision.kind === 'sanitize' ? 'sanitize' : 'allow', 'OK', phase);
  if (decision.ruleId !== undefined) outcome.ruleId = decision.ruleId;
  if (decision.changes !== undefined) outcome.changes = decision.changes;
  if (facts.strip !== undefined) outcome.strip = facts.strip;
  outcome.shadow = decision.shadow;
  outcome.wouldBlock = decision.wouldBlock;
  if (decision.wouldBlock && decision.clause) outcome.clause = decision.clause;
  if (decision.wouldBlock && decision.shadowCode) outcome.wouldBlockCode = decision.shadowCode;
  return outcome;
}

/** The facts' fields, then `decision`, `code` and `phase`: the head every outcome starts with. */
function identityFields(facts: CallFacts, kind: CheckOutcome['decision'], code: CheckOutcome['code'], phase: CheckPhase): Draft {
  const token = facts.token;
  // `shadow` and `wouldBlock` are set last by the callers (as their spreads did).
  const outcome = { decisionId: facts.decisionId } as Draft;
  if (facts.policyVersion !== undefined) outcome.policyVersion = facts.policyVersion;
  if (token !== undefined) {
    outcome.agentId = token.agentId;
    outcome.jti = token.jti;
  }
  if (facts.parent !== undefined) outcome.parentAgentId = facts.parent;
  if (token?.initiator !== undefined) outcome.initiator = token.initiator;
  if (facts.chain !== undefined) outcome.chain = facts.chain;
  if (facts.tool !== undefined) outcome.tool = facts.tool;
  if (facts.toolEntry !== undefined) outcome.toolEntry = facts.toolEntry;
  if (facts.jsonrpcId !== undefined) outcome.jsonrpcId = facts.jsonrpcId;
  if (facts.params !== undefined) outcome.params = facts.params;
  if (facts.approvalId !== undefined) outcome.approvalId = facts.approvalId;
  if (facts.statusUrl !== undefined) outcome.statusUrl = facts.statusUrl;
  if (facts.approvalExpiresAt !== undefined) outcome.approvalExpiresAt = facts.approvalExpiresAt;
  if (facts.liftedBy !== undefined) outcome.liftedBy = facts.liftedBy;
  outcome.decision = kind;
  outcome.code = code;
  outcome.phase = phase;
  return outcome;
}
