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

/** A deny (or approval_needed, when the denial carries that decision) reached in `phase`. */
export function denyOutcome(facts: CallFacts, phase: CheckPhase, denial: Denial): CheckOutcome {
  const { code, reason, decision } = denial;
  return {
    ...identityFields(facts),
    decision: decision?.kind === 'approval_needed' && code !== 'APPROVAL_UNAVAILABLE' ? 'approval_needed' : 'deny',
    code,
    phase,
    ...(reason === undefined ? {} : { reason }),
    ...(decision?.ruleId === undefined ? {} : { ruleId: decision.ruleId }),
    ...(decision?.clause === undefined ? {} : { clause: decision.clause }),
    shadow: false,
    wouldBlock: false,
  };
}

function allowOutcome(facts: CallFacts, phase: CheckPhase, decision: Decision): CheckOutcome {
  return {
    ...identityFields(facts),
    decision: decision.kind === 'sanitize' ? 'sanitize' : 'allow',
    code: 'OK',
    phase,
    ...(decision.ruleId === undefined ? {} : { ruleId: decision.ruleId }),
    ...(decision.changes === undefined ? {} : { changes: decision.changes }),
    ...(facts.strip === undefined ? {} : { strip: facts.strip }),
    shadow: decision.shadow,
    wouldBlock: decision.wouldBlock,
    ...(decision.wouldBlock && decision.clause ? { clause: decision.clause } : {}),
    ...(decision.wouldBlock && decision.shadowCode ? { wouldBlockCode: decision.shadowCode } : {}),
  };
}

function identityFields(facts: CallFacts) {
  const token = facts.token;
  return {
    decisionId: facts.decisionId,
    ...(facts.policyVersion === undefined ? {} : { policyVersion: facts.policyVersion }),
    ...(token === undefined ? {} : { agentId: token.agentId, jti: token.jti }),
    ...(facts.parent === undefined ? {} : { parentAgentId: facts.parent }),
    ...(token?.initiator === undefined ? {} : { initiator: token.initiator }),
    ...(facts.chain === undefined ? {} : { chain: facts.chain }),
    ...(facts.tool === undefined ? {} : { tool: facts.tool }),
    ...(facts.toolEntry === undefined ? {} : { toolEntry: facts.toolEntry }),
    ...(facts.jsonrpcId === undefined ? {} : { jsonrpcId: facts.jsonrpcId }),
    ...(facts.params === undefined ? {} : { params: facts.params }),
    ...(facts.approvalId === undefined ? {} : { approvalId: facts.approvalId }),
    ...(facts.statusUrl === undefined ? {} : { statusUrl: facts.statusUrl }),
    ...(facts.approvalExpiresAt === undefined ? {} : { approvalExpiresAt: facts.approvalExpiresAt }),
    ...(facts.liftedBy === undefined ? {} : { liftedBy: facts.liftedBy }),
  };
}
