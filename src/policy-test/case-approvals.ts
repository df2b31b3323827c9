import { createApprovalGate, type ApprovalGate } from '../approvals/approval-gate.js';
import { createLogApprovalEvents } from '../approvals/approval-events.js';
import { createApprovalService, type ApprovalService } from '../approvals/approval-service.js';
import { NO_NOTIFIER } from '../approvals/notifier.js';
import type { OverrideTokens } from '../approvals/override-token.js';
import { createLogger } from '../log/logger.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { ApprovalRecord } from '../state/approval-record.js';
import type { StateStore } from '../state/state-store.js';

/** The approvals module of an in-process case gate: the server's own gate and service. */
export interface CaseApprovals {
  readonly gate: ApprovalGate;
  /**
   * Approves a pending approval the way approvers would (HTTP API votes, eligibility and quorum
   * as on the server) and returns the override token the agent would fetch.
   */
  approveAndFetchOverride(approvalId: string, nowMs: number): Promise<string>;
  /** Requests a break-glass grant for `agentId` and approves it up to the policy's quorum. */
  grantBreakGlass(agentId: string, initiator: string | undefined, nowMs: number): Promise<void>;
}

const silent = createLogger('silent');
const events = createLogApprovalEvents(silent);
/** Who asks for a case's break-glass grant: never one of its approvers. */
const REQUESTER = 'policy-test:requester';

/** Wires `createApprovalGate` and `createApprovalService` over one case's state store. */
export function createCaseApprovals(options: {
  state: StateStore;
  overrides: OverrideTokens;
  policy: CompiledPolicy;
  aliases: Readonly<Record<string, string>>;
  stateTimeoutMs: number;
}): CaseApprovals {
  const { state, overrides, policy, aliases, stateTimeoutMs } = options;
  const common = { state, overrides, notifier: NO_NOTIFIER, events, aliases, stateTimeoutMs };
  const service = createApprovalService({ ...common, policy: () => policy });
  const gate = createApprovalGate({ ...common, publicUrl: () => 'http://dutygate.policy-test.invalid', log: silent });

  return {
    gate,
    async approveAndFetchOverride(approvalId, nowMs) {
      const record = await approve(service, approvalId, nowMs);
      const issued = await service.overrideFor(record, nowMs);
      if (!issued) throw new Error(`approval ${approvalId} was approved but no override token could be issued`);
      return issued.token;
    },
    async grantBreakGlass(agentId, initiator, nowMs) {
      const spec = policy.breakGlass;
      if (!spec) throw new Error('break_glass: true needs a break_glass section in the policy');
      const requested = await service.requestBreakGlass({ agentId, reason: 'dutygate policy test', ttlMs: spec.maxTtlMs, requester: REQUESTER, ...(initiator === undefined ? {} : { initiator }) }, nowMs);
      if (!requested.ok) throw new Error(`break-glass request refused: ${requested.message}`);
      await approve(service, requested.record.approvalId, nowMs);
    },
  };
}

/** Votes `approve` as each listed approver in turn until the quorum is reached. */
async function approve(service: ApprovalService, approvalId: string, nowMs: number): Promise<ApprovalRecord> {
  const record = await service.get(approvalId, nowMs);
  if (!record) throw new Error(`approval ${approvalId} not found`);
  const refused: string[] = [];
  for (const principal of record.approvers) {
    const outcome = await service.vote(approvalId, principal, 'approve', 'api', nowMs, 'dutygate policy test');
    if (!outcome.ok) refused.push(`${principal}: ${outcome.code}`);
    else if (outcome.record.status === 'approved') return outcome.record;
  }
  throw new Error(`approval ${approvalId} cannot reach its quorum of ${record.quorum} (approvers ${record.approvers.join(', ')}${refused.length > 0 ? `; refused ${refused.join(', ')}` : ''})`);
}
