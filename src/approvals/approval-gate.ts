/**
 * The Check side of approvals (docs/design.md §6): what happens to an `approval_needed` outcome. In
 * order: a presented override token is verified against this very call and spent once; else an
 * active break-glass grant for the agent lets it through (flagged); else an approval record is
 * created (or the pending one for the same request found) and the agent is told to wait.
 * Posting to Slack happens after the Check has answered — it is never awaited here.
 */
import { randomBytes } from 'node:crypto';
import { resolvePrincipal } from '../check/principals.js';
import { withDeadline } from '../check/with-deadline.js';
import { DutygateError } from '../errors.js';
import type { AgentClaims } from '../identity/types.js';
import type { Logger } from '../log/logger.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { hashParams, sha256Canonical } from '../audit/canonical-record.js';
import type { Decision, ToolCall } from '../policy/types.js';
import type { ApprovalRecord, RequestBinding } from '../state/approval-record.js';
import type { StateStore } from '../state/state-store.js';
import type { ApprovalEvents } from './approval-events.js';
import { maskParams } from './mask-params.js';
import type { ApprovalNotifier } from './notifier.js';
import type { OverrideTokens } from './override-token.js';

/** An `approval_needed` outcome and everything known about its call. */
export interface ApprovalNeededCall {
  readonly decision: Decision;
  readonly policy: CompiledPolicy;
  readonly token: AgentClaims;
  /** The initiator after `principals.aliases`. */
  readonly initiator?: string;
  /** Attested ancestors' agent ids, root first. */
  readonly chain: readonly string[];
  readonly tool: ToolCall;
  /** The HTTP request (method, host, path, query and body digests): what the approver is shown and the override binds. */
  readonly request: RequestBinding;
  /** The `x-dutygate-override` header, if sent. */
  readonly overrideToken?: string;
  readonly decisionId: string;
  readonly traceparent?: string;
}

/** What became of an `approval_needed` outcome. */
export type ApprovalResolution =
  /** An override token or a break-glass grant lets this call through. */
  | { readonly kind: 'lifted'; readonly via: 'override' | 'break_glass'; readonly approvalId: string }
  /** The agent must wait for approvers and poll `statusUrl`. */
  | { readonly kind: 'pending'; readonly approvalId: string; readonly statusUrl: string; readonly expiresAt: number };

/** The approvals port of the Check pipeline. */
export interface ApprovalGate {
  /**
   * Resolves an `approval_needed` decision; bounded by the state deadline.
   *
   * @throws DutygateError OVERRIDE_* for a presented override token that does not fit this call
   *   or was spent; STATE_UNAVAILABLE when the store does not answer in time.
   */
  resolve(call: ApprovalNeededCall, nowMs: number): Promise<ApprovalResolution>;
}

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

/** Builds the approvals port the Check pipeline calls on `approval_needed`. */
export function createApprovalGate(options: ApprovalGateOptions): ApprovalGate {
  const { state, overrides, notifier, events, log } = options;
  const stateCall = <T>(work: Promise<T>): Promise<T> =>
    withDeadline(work, options.stateTimeoutMs, 'STATE_UNAVAILABLE', 'the state store did not answer in time');

  async function redeem(call: ApprovalNeededCall, token: string, hash: string, nowMs: number): Promise<ApprovalResolution> {
    const claims = await overrides.verify(
      token,
      {
        agentId: call.token.agentId,
        ...(call.initiator === undefined ? {} : { initiator: call.initiator }),
        chain: call.chain,
        tool: call.tool.name,
        paramsHash: hash,
        request: call.request,
        policyVersion: call.policy.policyVersion,
      },
      nowMs,
    );
    // Spent only once it fits this call: a mismatched attempt must not burn the real retry.
    const fresh = await stateCall(state.claimJti({ purpose: 'override' }, claims.jti, claims.exp * 1000 + 60_000, nowMs));
    if (!fresh) throw new DutygateError('OVERRIDE_SPENT', 'this override token was already used; it lets exactly one retry through');
    events.overrideRedeemed(claims.approvalId, { decisionId: call.decisionId, agentId: call.token.agentId });
    return { kind: 'lifted', via: 'override', approvalId: claims.approvalId };
  }

  return {
    async resolve(call, nowMs) {
      const hash = hashParams(call.tool.params);
      if (call.overrideToken !== undefined) return redeem(call, call.overrideToken, hash, nowMs);

      if (call.policy.breakGlass) {
        const grant = await stateCall(state.activeBreakGlass(call.token.agentId, nowMs));
        // A grant serves one human: it does not lift the agent's calls for anyone else.
        if (grant && grant.servedInitiator === call.initiator) {
          events.breakGlassUsed(grant, { decisionId: call.decisionId, agentId: call.token.agentId });
          return { kind: 'lifted', via: 'break_glass', approvalId: grant.approvalId };
        }
      }

      const record = buildRecord(call, hash, options.aliases, overrides.deployment, nowMs);
      const { record: stored, created } = await stateCall(state.createApproval(record, nowMs));
      if (created) {
        events.created(stored);
        // After the answer: setImmediate runs once this Check's response is on its way.
        setImmediate(() => {
          notifier.announce(stored).catch((error: unknown) => log.error({ approval_id: stored.approvalId, err: String(error) }, 'approval notification failed'));
        });
      }
      return { kind: 'pending', approvalId: stored.approvalId, statusUrl: statusUrl(options.publicUrl(), stored.approvalId), expiresAt: stored.expiresAt };
    },
  };
}

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

function buildRecord(call: ApprovalNeededCall, hash: string, aliases: Readonly<Record<string, string>>, deployment: string, nowMs: number): ApprovalRecord {
  const { decision, token, tool } = call;
  const spec = decision.approval;
  if (!spec) throw new DutygateError('INTERNAL', 'an approval_needed decision without approval parameters');
  const resolveAll = (principals: readonly string[]) => [...new Set(principals.map((principal) => resolvePrincipal(aliases, principal)))];
  const approvers = resolveAll(spec.approvers);
  // Everything the override binds: a differing request must not reuse a pending approval whose
  // token it could then never redeem.
  const key = {
    kind: 'call',
    agent: token.agentId,
    chain: call.chain,
    initiator: call.initiator ?? null,
    tool: tool.name,
    params: hash,
    request: call.request,
    rule: decision.ruleId ?? null,
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
    request: call.request,
    deployment,
    ...(decision.ruleId === undefined ? {} : { ruleId: decision.ruleId }),
    ...(decision.clause === undefined ? {} : { clause: decision.clause }),
    policyVersion: call.policy.policyVersion,
    approvers,
    // Kept even when aliases fold two listed principals into one person: the policy asked for
    // that many distinct people, and fewer must not do (fail closed).
    quorum: spec.quorum,
    // A snapshot, like the approvers: a policy reload does not change what was asked.
    requireReason: spec.requireReason,
    ...(spec.remindAfterMs === undefined ? {} : { remindAfterMs: spec.remindAfterMs }),
    ...(spec.escalate === undefined ? {} : { escalateAfterMs: spec.escalate.afterMs, escalateTo: resolveAll(spec.escalate.to) }),
    createdAt: nowMs,
    expiresAt: nowMs + spec.ttlMs,
    votes: [],
    decisionId: call.decisionId,
    ...(call.traceparent === undefined ? {} : { traceparent: call.traceparent }),
    display: maskParams(tool.params, spec.mask),
  };
}
