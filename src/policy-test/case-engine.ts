/**
 * The engine's judgement of a `policy test` case (src/policy/judge-call.ts): mapping, evaluation
 * and the commit's conflict check over the case's ledger — no identity, no state store. It
 * answers what a gate's outcome cannot show (the matched rules, the duty steps a call performs,
 * every approval rule it needs) and runs the cases marked `engine_only` (an identity the gate's
 * chain check would refuse before policy). The engine vectors (test/vectors) are cases like any
 * other, in the same format, read by the same loader.
 */
import type { CheckOutcome } from '../check/outcome.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { judgeRequest, type RequestJudgement } from '../policy/judge-call.js';
import type { MappingLimits } from '../policy/mapping/map-request.js';
import type { DutyStep } from '../policy/types.js';
import type { HttpRequest } from '../request/http-request.js';
import type { CaseRequest, PolicyCase } from './policy-case.js';

/** Judges `testCase` with the policy engine alone; the ledger read is the case's entries for the call's resources. */
export function judgeCase(policy: CompiledPolicy, testCase: PolicyCase, limits: MappingLimits): RequestJudgement {
  const { agent } = testCase;
  const actor = {
    agentId: agent.id,
    ancestors: agent.ancestors,
    ...(agent.parentId === undefined ? {} : { parentId: agent.parentId }),
    ...(agent.initiator === undefined ? {} : { initiator: agent.initiator }),
    ...(agent.issuer === undefined ? {} : { issuer: agent.issuer }),
  };
  const ledgerFor = (steps: readonly DutyStep[]) => testCase.ledger.filter((entry) => steps.some((step) => step.duty === entry.duty && step.resource === entry.resource));
  return judgeRequest(policy, httpRequestOf(testCase.request), limits, actor, ledgerFor);
}

/**
 * The judgement in the shape of the outcome a case compares (decision, code, tool, rule, clause,
 * reason, shadow, changes). Unlike a gate's answer, it keeps the real code of a shadowed decision
 * whatever the enforced one was.
 */
export function outcomeOfJudgement(judgement: RequestJudgement): CheckOutcome {
  const { decision, tool } = judgement;
  return {
    decision: decision.kind,
    code: decision.code,
    phase: 'policy',
    decisionId: 'engine',
    ...(tool === undefined ? {} : { tool: tool.name }),
    ...(decision.ruleId === undefined ? {} : { ruleId: decision.ruleId }),
    ...(decision.clause === undefined ? {} : { clause: decision.clause }),
    ...(decision.reason === undefined ? {} : { reason: decision.reason }),
    ...(decision.changes === undefined ? {} : { changes: decision.changes }),
    shadow: decision.shadow,
    wouldBlock: decision.wouldBlock,
    ...(decision.shadowCode === undefined ? {} : { wouldBlockCode: decision.shadowCode }),
  };
}

/** The neutral request `src/authz/` would build for the case's request (no token: the engine needs none). */
export function httpRequestOf(request: CaseRequest): HttpRequest {
  return {
    method: request.method,
    host: request.host,
    path: request.path,
    query: request.query,
    headers: new Map(Object.entries(request.headers)),
    body: request.body === undefined ? undefined : new TextEncoder().encode(request.body),
    bodyTruncated: request.bodyTruncated,
    contextExtensions: {},
  };
}
