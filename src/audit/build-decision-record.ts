import type { CheckOutcome } from '../check/outcome.js';
import { resolvePrincipal } from '../identity/principals.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { HttpRequest } from '../request/http-request.js';
import { DECISION_RECORD_VERSION, type DecisionRecord } from './decision-record.js';
import { RECORD_NOTHING, recordableParams, recordedReason, recordedTarget, splitParams } from './record-params.js';

/** Everything a decision record is built from. */
export interface DecisionRecordInput {
  readonly outcome: CheckOutcome;
  readonly request: HttpRequest;
  /** When the Check started, milliseconds since the epoch. */
  readonly startedAtMs: number;
  /**
   * The policy in force now. Its `record_params` apply only when it is the policy the check was
   * judged with (same `policy_version`); after a reload in between, every param is hashed.
   */
  readonly policy: CompiledPolicy | undefined;
  readonly aliases: Readonly<Record<string, string>>;
  /** The `dutygate.check` span, when tracing. */
  readonly traceId?: string;
  readonly spanId?: string;
}

/** Builds the decision log line (without its chain stamp) for one finished Check. */
export function buildDecisionRecord(input: DecisionRecordInput): DecisionRecord {
  const { outcome, request, policy } = input;
  const samePolicy = policy !== undefined && policy.policyVersion === outcome.policyVersion;
  const tool = samePolicy && outcome.toolEntry !== undefined ? policy.tools.find((entry) => entry.name === outcome.toolEntry) : undefined;
  const recordable = tool ? recordableParams(tool) : RECORD_NOTHING;
  const split = outcome.params === undefined ? undefined : splitParams(outcome.params, recordable);
  // Unmapped: no template to protect captures with, but no params either; see recordedTarget.
  const target = recordedTarget(request, outcome.tool === undefined ? undefined : (tool ?? templateOnly(policy, outcome.toolEntry)), recordable);
  return {
    v: DECISION_RECORD_VERSION,
    type: 'decision',
    decision_id: outcome.decisionId,
    time: new Date(input.startedAtMs).toISOString(),
    agent_id: outcome.agentId ?? null,
    parent_agent_id: outcome.parentAgentId ?? null,
    chain: outcome.chain ?? [],
    initiator: outcome.initiator === undefined ? null : resolvePrincipal(input.aliases, outcome.initiator),
    jti: outcome.jti ?? null,
    method: target.method,
    host: target.host,
    path: target.path,
    query: target.query,
    tool: outcome.tool ?? null,
    tool_entry: outcome.toolEntry ?? null,
    params: split?.params ?? null,
    params_hashed: split?.hashed ?? null,
    params_hash: split?.hash ?? null,
    decision: outcome.decision,
    code: outcome.code,
    reason: outcome.reason === undefined ? null : recordedReason(outcome.reason, outcome.params, recordable),
    rule_id: outcome.ruleId ?? null,
    clause: outcome.clause?.name ?? null,
    policy_version: outcome.policyVersion ?? null,
    approval_id: outcome.approvalId ?? null,
    shadow: outcome.shadow,
    would_block: outcome.wouldBlock,
    would_block_code: outcome.wouldBlockCode ?? null,
    trace_id: input.traceId ?? null,
    span_id: input.spanId ?? null,
  };
}

/**
 * A mapped request whose policy was reloaded in between: nothing is recordable, but the old
 * entry's template may still be in the new policy; without it, the path is hidden entirely.
 */
function templateOnly(policy: CompiledPolicy | undefined, entry: string | undefined) {
  const found = policy?.tools.find((tool) => tool.name === entry);
  return found ?? { name: entry ?? '', protocol: 'http' as const, path: { source: '/{path}', segments: [], exact: false } };
}
