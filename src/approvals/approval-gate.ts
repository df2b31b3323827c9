/**
 * The Check side of approvals (docs/design.md §6): what happens to an `approval_needed` outcome. In
 * order: a presented override token is verified against this very call and spent once; else an
 * active break-glass grant for the agent lets it through (flagged); else an approval record is
 * created (or the pending one for the same request found) and the agent is told to wait.
 * Posting to Slack happens after the Check has answered — it is never awaited here.
 */
import { randomBytes } from 'node:crypto';
import { resolvePrincipal } from '../identity/principals.js';
import type { ApprovalGate, ApprovalNeededCall, ApprovalResolution } from '../check/approval-port.js';
import { createAfterAnswerQueue } from '../lib/after-answer-queue.js';
import type { Deadline } from '../lib/deadline.js';
import { requestBindingOf } from './request-binding.js';
import { DutygateError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { hashParams, sha256Canonical } from '../audit/canonical-record.js';
import { sortedRuleIds } from '../state/approval-progress.js';
import type { ApprovalRequirement } from '../policy/types.js';
import type { ApprovalRecord, ApprovalRule, RequestBinding } from '../state/approval-record.js';
import type { StateStore } from '../state/state-store.js';
import type { ApprovalEvents } from './approval-events.js';
import { maskParams } from './mask-params.js';
import type { ApprovalNotifier } from './notifier.js';
import type { OverrideTokens } from './override-token.js';

/** Dependencies of {@link createApprovalGate}. */
export interface ApprovalGateOptions {
  readonly state: StateStore;
  readonly overrides: OverrideTokens;
  readonly notifier: ApprovalNotifier;
  readonly events: ApprovalEvents;
  readonly aliases: Readonly<Record<string, string>>;
  /** Deadline of each state-store call; undefined for the in-process memory driver. */
  readonly stateTimeoutMs: number | undefined;
  /** Base of `status_url`, e.g. `http://127.0.0.1:8181` (read per call: known once HTTP listens). */
  readonly publicUrl: () => string;
  readonly log: Logger;
}

export type { ApprovalGate, ApprovalNeededCall, ApprovalResolution } from '../check/approval-port.js';

/** Builds the approvals port the Check pipeline calls on `approval_needed`. */
export function createApprovalGate(options: ApprovalGateOptions): ApprovalGate {
  const { state, overrides, notifier, events, log } = options;
  // New approvals are announced once the Check that created them is answered, trailers included
  // (after-answer-queue.ts): building and posting a Slack message is not the agent's wait.
  const announcements = createAfterAnswerQueue<{ stored: ApprovalRecord; deadline: Deadline }>(
    ({ stored, deadline }) => {
      // A Check that lost the race with its deadline was answered with a deny: the record its
      // late reply created is withdrawn (cancelled), never announced to approvers.
      if (deadline.signal.aborted) {
        withdraw(stored.approvalId, Date.now());
        return;
      }
      notifier.announce(stored).catch((error: unknown) => log.error({ approval_id: stored.approvalId, err: String(error) }, 'approval notification failed'));
    },
    (error: unknown) => log.error({ err: String(error) }, 'approval announcement failed'),
  );
  async function redeem(call: ApprovalNeededCall, request: RequestBinding, token: string, hash: string, nowMs: number, deadline: Deadline): Promise<ApprovalResolution> {
    const claims = await overrides.verify(
      token,
      {
        agentId: call.token.agentId,
        ...(call.initiator === undefined ? {} : { initiator: call.initiator }),
        chain: call.chain,
        tool: call.tool.name,
        paramsHash: hash,
        request,
        policyVersion: call.policy.policyVersion,
        rules: sortedRuleIds((call.decision.approvals ?? []).map((each) => each.ruleId)),
      },
      nowMs,
    );
    // Spent only once it fits this call: a mismatched attempt must not burn the real retry.
    const fresh = await deadline.call(() => state.claimJti({ purpose: 'override' }, claims.jti, claims.exp * 1000 + 60_000, nowMs), options.stateTimeoutMs);
    if (!fresh) throw new DutygateError('OVERRIDE_SPENT', 'this override token was already used; it lets exactly one retry through');
    events.overrideRedeemed(claims.approvalId, { decisionId: call.decisionId, agentId: call.token.agentId });
    return { kind: 'lifted', via: 'override', approvalId: claims.approvalId };
  }

  function withdraw(approvalId: string, nowMs: number): void {
    state.cancelApproval(approvalId, WITHDRAWN_BY, nowMs).then(
      (result) => {
        if (result.outcome === 'cancelled') events.decided(result.record);
      },
      (error: unknown) => log.error({ approval_id: approvalId, err: String(error) }, 'withdrawing the approval of a timed-out check failed'),
    );
  }

  return {
    async resolve(call, nowMs, deadline) {
      const hash = hashParams(call.tool.params);
      const request = requestBindingOf(call.request);
      if (call.overrideToken !== undefined) return redeem(call, request, call.overrideToken, hash, nowMs, deadline);

      if (call.policy.breakGlass) {
        const grant = await deadline.call(() => state.activeBreakGlass(call.token.agentId, nowMs), options.stateTimeoutMs);
        // A grant serves one human: it does not lift the agent's calls for anyone else.
        if (grant && grant.servedInitiator === call.initiator) {
          events.breakGlassUsed(grant, { decisionId: call.decisionId, agentId: call.token.agentId });
          return { kind: 'lifted', via: 'break_glass', approvalId: grant.approvalId };
        }
      }

      const record = buildRecord(call, request, hash, options.aliases, overrides.deployment, nowMs);
      const { record: stored, created } = await deadline.call(() => state.createApproval(record, nowMs), options.stateTimeoutMs);
      if (created) {
        events.created(stored);
        announcements.add({ stored, deadline });
      }
      return { kind: 'pending', approvalId: stored.approvalId, statusUrl: statusUrl(options.publicUrl(), stored.approvalId), expiresAt: stored.expiresAt };
    },
  };
}

/** Who cancels the approval of a Check that missed its deadline (the record's `cancelled_by`). */
export const WITHDRAWN_BY = 'dutygate:deadline';

/** `GET` URL of an approval's status, for the agent to poll. */
export function statusUrl(base: string, approvalId: string): string {
  return `${base.replace(/\/+$/, '')}/v1/approvals/${encodeURIComponent(approvalId)}`;
}

/** A fresh, unguessable approval id (it names a capability in URLs). */
export function newApprovalId(): string {
  return `apr_${randomBytes(16).toString('base64url')}`;
}

/** Deduplication key of a request: the same pending request returns the same approval. */
export function requestKeyOf(parts: Readonly<Record<string, unknown>>): string {
  return sha256Canonical(parts);
}

function buildRecord(call: ApprovalNeededCall, request: RequestBinding, hash: string, aliases: Readonly<Record<string, string>>, deployment: string, nowMs: number): ApprovalRecord {
  const { decision, token, tool } = call;
  const required = decision.approvals;
  if (!required || required.length === 0) throw new DutygateError('INTERNAL', 'an approval_needed decision without approval parameters');
  const resolve = (principals: readonly string[]) => [...new Set(principals.map((principal) => resolvePrincipal(aliases, principal)))];
  // Every matched rule, each with its own approvers and quorum (issue 12 item 3) and its own
  // escalation (issue 17 item 2: from escalate_after on, its escalate_to principals count toward
  // it too). A quorum is kept even when aliases fold two listed principals into one person: the
  // policy asked for that many distinct people, and fewer must not do (fail closed).
  const rules: ApprovalRule[] = required.map((rule) => ({
    ruleId: rule.ruleId,
    ...(rule.clause ? { clause: rule.clause } : {}),
    approvers: resolve(rule.approvers),
    quorum: rule.quorum,
    ...(rule.escalate === undefined ? {} : { escalateAfterMs: rule.escalate.afterMs, escalateTo: resolve(rule.escalate.to) }),
  }));
  // The strictest of the rules: the shortest wait, every param any rule masks stays masked, a
  // reason wherever any rule asks one, the earliest reminder and escalation.
  const ttlMs = Math.min(...required.map((rule) => rule.ttlMs));
  const mask = [...new Set(required.flatMap((rule) => rule.mask ?? []))];
  const followUps = strictestFollowUps(required, rules);
  // Everything the override binds: a differing request must not reuse a pending approval whose
  // token it could then never redeem.
  const key = {
    kind: 'call',
    agent: token.agentId,
    chain: call.chain,
    initiator: call.initiator ?? null,
    tool: tool.name,
    params: hash,
    request,
    rules: sortedRuleIds(rules.map((rule) => rule.ruleId)),
    policy: call.policy.policyVersion,
    deployment,
  };
  return {
    approvalId: newApprovalId(),
    kind: 'call',
    requestKey: requestKeyOf(key),
    status: 'pending',
    agentId: token.agentId,
    ...(call.initiator === undefined ? {} : { initiator: call.initiator }),
    chain: call.chain,
    tool: tool.name,
    paramsHash: hash,
    request,
    deployment,
    ...(decision.ruleId === undefined ? {} : { ruleId: decision.ruleId }),
    ...(decision.clause === undefined ? {} : { clause: decision.clause }),
    policyVersion: call.policy.policyVersion,
    rules,
    approvers: resolve(rules.flatMap((rule) => rule.approvers)),
    quorum: Math.max(...rules.map((rule) => rule.quorum)),
    // A snapshot, like the approvers: a policy reload does not change what was asked.
    ...followUps,
    createdAt: nowMs,
    expiresAt: nowMs + ttlMs,
    votes: [],
    decisionId: call.decisionId,
    ...(call.traceparent === undefined ? {} : { traceparent: call.traceparent }),
    display: maskParams(tool.params, mask.length > 0 ? mask : undefined),
  };
}

/**
 * The record-level follow-up settings of an approval covering several rules (issue 17 item 2
 * with issue 12 item 3): a reason wherever any rule asks one, the earliest reminder interval,
 * the earliest escalation, and everyone any rule escalates to (whose votes then count toward the
 * rules that named them: approval-progress.ts).
 */
function strictestFollowUps(required: readonly ApprovalRequirement[], rules: readonly ApprovalRule[]): Pick<ApprovalRecord, 'requireReason' | 'remindAfterMs' | 'escalateAfterMs' | 'escalateTo'> {
  const reasons = new Set(required.map((rule) => rule.requireReason));
  const requireReason = reasons.has('both') || (reasons.has('approve') && reasons.has('deny')) ? 'both' : reasons.has('approve') ? 'approve' : reasons.has('deny') ? 'deny' : 'none';
  const reminders = required.flatMap((rule) => (rule.remindAfterMs === undefined ? [] : [rule.remindAfterMs]));
  const escalations = rules.flatMap((rule) => (rule.escalateAfterMs === undefined ? [] : [rule.escalateAfterMs]));
  const escalateTo = [...new Set(rules.flatMap((rule) => rule.escalateTo ?? []))];
  return {
    requireReason,
    ...(reminders.length === 0 ? {} : { remindAfterMs: Math.min(...reminders) }),
    ...(escalations.length === 0 ? {} : { escalateAfterMs: Math.min(...escalations), escalateTo }),
  };
}
