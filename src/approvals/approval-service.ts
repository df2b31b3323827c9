/**
 * The approver side of approvals, shared by Slack clicks and the HTTP API so that both apply
 * exactly the same rules: eligibility (listed approver, never the initiator, after aliases),
 * then the store's atomic vote (distinct principals up to the quorum, one deny rejects,
 * repeats idempotent). Also reads for agents (with the override token once approved), listings
 * for approvers, and break-glass requests.
 */
import { resolvePrincipal } from '../identity/principals.js';
import { withDeadline } from '../lib/with-deadline.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { ApprovalRecord, ApprovalStatus, ApprovalVote } from '../state/approval-record.js';
import type { StateStore } from '../state/state-store.js';
import type { ApprovalEvents } from './approval-events.js';
import { newApprovalId, requestKeyOf } from './approval-gate.js';
import { voteRefusal, type VoteRefusal } from './eligibility.js';
import { normalizeReason, reasonRequired } from './reason-rule.js';
import type { ApprovalNotifier } from './notifier.js';
import type { OverrideTokens } from './override-token.js';

/** What came of one vote. */
export type VoteOutcome =
  | { readonly ok: true; readonly result: 'recorded' | 'duplicate'; readonly record: ApprovalRecord }
  | { readonly ok: false; readonly code: VoteRefusal | 'APPROVAL_NOT_FOUND' | 'APPROVAL_CLOSED' | 'APPROVAL_REASON_REQUIRED'; readonly record?: ApprovalRecord };

/**
 * Whether a principal may vote `decision` now, before anything is recorded (a Slack click that
 * opens the reason modal): the record, and whether the vote will need a reason.
 */
export type VoterCheck =
  | { readonly ok: true; readonly record: ApprovalRecord; readonly reasonRequired: boolean }
  | { readonly ok: false; readonly code: VoteRefusal | 'APPROVAL_NOT_FOUND' | 'APPROVAL_CLOSED'; readonly record?: ApprovalRecord };

/** Who withdraws an approval: the requesting agent (its own token) or the workflow's initiator (raw principal). */
export type Canceller = { readonly agentId: string } | { readonly principal: string };

/** What came of a cancel. */
export type CancelOutcome =
  | { readonly ok: true; readonly record: ApprovalRecord }
  | { readonly ok: false; readonly code: 'APPROVAL_NOT_FOUND' | 'APPROVAL_FORBIDDEN' | 'APPROVAL_CLOSED'; readonly record?: ApprovalRecord };

/** A break-glass request. */
export interface BreakGlassRequest {
  readonly agentId: string;
  readonly reason: string;
  readonly ttlMs: number;
  /** Who asks (raw principal); never one of the approvers of their own request. */
  readonly requester: string;
  /** The human the agent acts for (raw principal): excluded from approving, and the grant is bound to them. */
  readonly initiator?: string;
}

/** What came of a break-glass request. */
export type BreakGlassOutcome =
  | { readonly ok: true; readonly record: ApprovalRecord; readonly created: boolean }
  | { readonly ok: false; readonly code: 'BREAK_GLASS_DISABLED' | 'BREAK_GLASS_TTL'; readonly message: string };

/** The approver-facing operations. */
export interface ApprovalService {
  get(approvalId: string, nowMs: number): Promise<ApprovalRecord | undefined>;
  /** Checks `principal` (raw) could vote on the approval now; records nothing. */
  checkVoter(approvalId: string, principal: string, decision: 'approve' | 'deny', nowMs: number): Promise<VoterCheck>;
  /**
   * Casts `principal`'s vote (raw: resolved through aliases here). A vote the rule's
   * `require_reason` covers needs a non-blank `reason` (`APPROVAL_REASON_REQUIRED` otherwise).
   */
  vote(approvalId: string, principal: string, decision: 'approve' | 'deny', via: ApprovalVote['via'], nowMs: number, reason?: string): Promise<VoteOutcome>;
  /**
   * Withdraws a pending approval (issue 17): only its requesting agent or its initiator (after
   * aliases) may; votes after it are refused (`APPROVAL_CLOSED`) and the Slack message says so.
   */
  cancel(approvalId: string, by: Canceller, nowMs: number): Promise<CancelOutcome>;
  /** The override token of an approved call, while it is still valid. */
  overrideFor(record: ApprovalRecord, nowMs: number): Promise<{ token: string; expiresAtMs: number } | undefined>;
  /** Records of `status` on which `principal` (raw) may vote, newest first. */
  listFor(principal: string, status: ApprovalStatus, nowMs: number, limit?: number): Promise<ApprovalRecord[]>;
  requestBreakGlass(request: BreakGlassRequest, nowMs: number): Promise<BreakGlassOutcome>;
  /** Resolves a raw principal through `principals.aliases`. */
  resolve(principal: string): string;
}

/** Dependencies of {@link createApprovalService}. */
export interface ApprovalServiceOptions {
  readonly state: StateStore;
  readonly overrides?: OverrideTokens;
  readonly notifier: ApprovalNotifier;
  readonly events: ApprovalEvents;
  readonly aliases: Readonly<Record<string, string>>;
  readonly policy: () => CompiledPolicy | undefined;
  /** Deadline of each state-store call (generous: humans wait, Envoy does not). */
  readonly stateTimeoutMs: number;
}

/** Builds the approver-facing operations. */
export function createApprovalService(options: ApprovalServiceOptions): ApprovalService {
  const { state, notifier, events } = options;
  const resolve = (principal: string): string => resolvePrincipal(options.aliases, principal);
  const stateCall = <T>(work: Promise<T>): Promise<T> =>
    withDeadline(work, options.stateTimeoutMs, 'STATE_UNAVAILABLE', 'the state store did not answer in time');
  const refresh = (approvalId: string): void => {
    void notifier.refresh(approvalId);
  };

  return {
    resolve,

    get: (approvalId, nowMs) => stateCall(state.getApproval(approvalId, nowMs)),

    async checkVoter(approvalId, rawPrincipal, decision, nowMs) {
      const record = await stateCall(state.getApproval(approvalId, nowMs));
      if (!record) return { ok: false, code: 'APPROVAL_NOT_FOUND' };
      const refusal = voteRefusal(record, resolve(rawPrincipal), nowMs);
      if (refusal) return { ok: false, code: refusal, record };
      if (record.status !== 'pending') return { ok: false, code: 'APPROVAL_CLOSED', record };
      return { ok: true, record, reasonRequired: reasonRequired(record, decision) };
    },

    async vote(approvalId, rawPrincipal, decision, via, nowMs, rawReason) {
      const principal = resolve(rawPrincipal);
      const reason = normalizeReason(rawReason);
      const summary = { principal, decision, via, ...(reason ? { reason } : {}) };
      const record = await stateCall(state.getApproval(approvalId, nowMs));
      if (!record) {
        events.vote(approvalId, summary, 'refused:APPROVAL_NOT_FOUND');
        return { ok: false, code: 'APPROVAL_NOT_FOUND' };
      }
      const refusal = voteRefusal(record, principal, nowMs);
      if (refusal) {
        events.vote(approvalId, summary, `refused:${refusal}`, record);
        return { ok: false, code: refusal, record };
      }
      // Only for an open approval: a late vote is told it is closed, not asked for a reason.
      if (record.status === 'pending' && reason === undefined && reasonRequired(record, decision)) {
        events.vote(approvalId, summary, 'refused:APPROVAL_REASON_REQUIRED', record);
        return { ok: false, code: 'APPROVAL_REASON_REQUIRED', record };
      }
      const vote: ApprovalVote = { principal, decision, at: nowMs, via, ...(reason ? { reason } : {}) };
      const result = await stateCall(state.recordVote(approvalId, vote, nowMs));
      if (result.outcome === 'not_found') return { ok: false, code: 'APPROVAL_NOT_FOUND' };
      events.vote(approvalId, summary, result.outcome, result.record);
      if (result.outcome === 'closed') return { ok: false, code: 'APPROVAL_CLOSED', record: result.record };
      if (result.outcome === 'recorded') {
        if (result.record.status !== 'pending') events.decided(result.record);
        refresh(approvalId);
      }
      return { ok: true, result: result.outcome, record: result.record };
    },

    async cancel(approvalId, by, nowMs) {
      const record = await stateCall(state.getApproval(approvalId, nowMs));
      if (!record) return { ok: false, code: 'APPROVAL_NOT_FOUND' };
      const who = 'agentId' in by ? (by.agentId === record.agentId ? `agent:${by.agentId}` : undefined) : resolve(by.principal) === record.initiator ? resolve(by.principal) : undefined;
      if (who === undefined) return { ok: false, code: 'APPROVAL_FORBIDDEN', record };
      const result = await stateCall(state.cancelApproval(approvalId, who, nowMs));
      if (result.outcome === 'not_found') return { ok: false, code: 'APPROVAL_NOT_FOUND' };
      if (result.outcome === 'closed') return { ok: false, code: 'APPROVAL_CLOSED', record: result.record };
      events.decided(result.record);
      refresh(approvalId);
      return { ok: true, record: result.record };
    },

    async overrideFor(record, nowMs) {
      if (!options.overrides || record.kind !== 'call' || record.status !== 'approved') return undefined;
      const issued = await options.overrides.issue(record);
      return issued.expiresAtMs > nowMs ? issued : undefined;
    },

    async listFor(rawPrincipal, status, nowMs, limit) {
      const principal = resolve(rawPrincipal);
      const records = await stateCall(state.listApprovals(status, nowMs, limit));
      return records.filter((record) => voteRefusal(record, principal, nowMs) === undefined);
    },

    async requestBreakGlass(request, nowMs) {
      const spec = options.policy()?.breakGlass;
      if (!spec) return { ok: false, code: 'BREAK_GLASS_DISABLED', message: 'the policy in force has no break_glass section' };
      if (request.ttlMs > spec.maxTtlMs) {
        return { ok: false, code: 'BREAK_GLASS_TTL', message: `a grant may last at most ${spec.maxTtlMs / 1000}s under this policy` };
      }
      const requester = resolve(request.requester);
      const served = request.initiator === undefined ? undefined : resolve(request.initiator);
      const policyVersion = options.policy()?.policyVersion ?? 'unknown';
      const record: ApprovalRecord = {
        approvalId: newApprovalId(),
        kind: 'break_glass',
        requestKey: requestKeyOf({ kind: 'break_glass', agent: request.agentId, requester, reason: request.reason, ttl: request.ttlMs, served: served ?? null }),
        status: 'pending',
        agentId: request.agentId,
        // The requester is the initiator of this request: they never approve their own glass.
        initiator: requester,
        chain: [],
        policyVersion,
        approvers: [...new Set(spec.approvers.map(resolve))],
        quorum: spec.quorum,
        createdAt: nowMs,
        expiresAt: nowMs + spec.requestTtlMs,
        reason: request.reason,
        grantTtlMs: request.ttlMs,
        ...(served === undefined ? {} : { servedInitiator: served }),
        votes: [],
      };
      const { record: stored, created } = await stateCall(state.createApproval(record, nowMs));
      if (created) {
        events.created(stored);
        void notifier.announce(stored);
      }
      return { ok: true, record: stored, created };
    },
  };
}
