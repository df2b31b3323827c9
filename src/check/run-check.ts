import { randomUUID } from 'node:crypto';
import type { ApprovalGate } from '../approvals/approval-gate.js';
import { requestBindingOf } from '../approvals/request-binding.js';
import { DutygateError, isDutygateError, type DenyCode } from '../errors.js';
import type { AgentClaims } from '../identity/types.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { decideUnmapped } from '../policy/decide-unmapped.js';
import type { DutyActor } from '../policy/duty-conflict.js';
import { dutyStepsFor, evaluate } from '../policy/evaluate.js';
import type { Decision, DutyStep, LedgerEntry, ToolCall } from '../policy/types.js';
import type { HttpRequest } from '../request/http-request.js';
import type { StateStore } from '../state/state-store.js';
import { mapRequest } from '../tools/map-request.js';
import type { CheckOutcome } from './outcome.js';
import { resolvePrincipal } from './principals.js';
import { gateOwnedHeaders, judgeMethodOverride, type RequestStrip } from './request-hygiene.js';
import { replayExpiryMs } from './replay-window.js';
import { withDeadline } from './with-deadline.js';

/** Verifies the agent token and its delegation chain (src/identity behind a port). */
export interface AgentAuthenticator {
  /** Verifies `authorization: Bearer …`; throws a `DutygateError` (TOKEN_*, KEYS_UNAVAILABLE). */
  verifyToken(authorization: string | undefined, now: Date): Promise<AgentClaims>;
  /** Verifies `x-agent-chain` for `agent`; resolves the ancestors root first; throws CHAIN_INVALID. */
  verifyChain(agent: AgentClaims, chainHeader: string | undefined, now: Date): Promise<readonly AgentClaims[]>;
}

/** Everything one Check needs, prepared once at start-up. */
export interface CheckDependencies {
  readonly authenticator: AgentAuthenticator;
  /** The policy currently in force (hot-reloaded); undefined until one loaded. */
  readonly policy: () => CompiledPolicy | undefined;
  readonly state: StateStore;
  readonly limits: {
    readonly maxBodyBytes: number;
    readonly maxJsonDepth: number;
    readonly checkTimeoutMs: number;
    /** MCP tool-name rule (default: the MCP spec's guidance). */
    readonly maxToolNameLength?: number;
    readonly toolNameExtraChars?: string;
    /** Method-override channels: deny (default) or strip. */
    readonly methodOverride?: 'deny' | 'strip';
    /** The token is spent only while at least this much of the deadline is left (else OVERLOADED). */
    readonly admissionReserveMs?: number;
  };
  /**
   * Deadline of each state-store call (Redis); undefined for the memory driver, which answers in
   * process and is bounded by the check deadline like any other in-process step.
   */
  readonly stateTimeoutMs: number | undefined;
  readonly clockSkewMs: number;
  readonly aliases: Readonly<Record<string, string>>;
  /**
   * The approvals flow (src/approvals): override tokens, break-glass, approval records. Without
   * it (no `overrides` configured) approval_needed denies APPROVAL_UNAVAILABLE.
   */
  readonly approvals?: ApprovalGate;
  /** Milliseconds since the epoch (injected for tests). */
  readonly now?: () => number;
}

/** One Check: `HttpRequest` in, `CheckOutcome` out. Never rejects. */
export type CheckHandler = (
  request: HttpRequest,
  transport?: { readonly traceparent?: string; readonly decisionId?: string; readonly deadline?: Date },
) => Promise<CheckOutcome>;

/** What is known about the call so far; a deny at any phase reports all of it. */
interface CheckContext {
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

/**
 * Builds the Check pipeline. Phases run in this order, each failure a deny with its own code:
 * identity (the agent token) → replay (spend the jti: a token is spent whether the decision is
 * allow or deny, so probing costs a token) → chain attestation → request to tool → policy
 * (pure) → duty ledger commit. The whole run is bounded by `limits.checkTimeoutMs`; any
 * unexpected error is an INTERNAL deny (fail closed), never a throw.
 */
export function createCheckHandler(deps: CheckDependencies): CheckHandler {
  const now = deps.now ?? Date.now;
  const stateCall = <T>(work: Promise<T>): Promise<T> =>
    withDeadline(work, deps.stateTimeoutMs, 'STATE_UNAVAILABLE', 'the state store did not answer in time');

  async function decide(request: HttpRequest, ctx: CheckContext, deadline: Date | undefined): Promise<CheckOutcome> {
    const policy = deps.policy();
    if (!policy) throw new DutygateError('POLICY_UNAVAILABLE', 'no valid policy is loaded');
    ctx.policyVersion = policy.policyVersion;
    const nowMs = now();
    const nowDate = new Date(nowMs);

    const token = await deps.authenticator.verifyToken(request.headers.get('authorization'), nowDate);
    ctx.token = token;
    // The deadline is re-checked before the first side effect: a Check that waited too long
    // (a busy event loop under a burst) is shed with its token unspent, rather than spending it
    // and then missing the deadline. Real time, as the transport's deadline (not the injected clock).
    if (deadline !== undefined && deadline.getTime() - Date.now() < (deps.limits.admissionReserveMs ?? 0)) {
      throw new DutygateError('OVERLOADED', 'the gate is over capacity (too little time left to decide); the token was not spent: retry');
    }
    const fresh = await stateCall(deps.state.claimJti({ purpose: 'agent', issuer: token.iss }, token.jti, replayExpiryMs(token.exp, deps.clockSkewMs), nowMs));
    if (!fresh) throw new DutygateError('REPLAY', 'this token (jti) was already used; mint a new token for every call');

    const ancestors = await deps.authenticator.verifyChain(token, request.headers.get('x-agent-chain'), nowDate);
    ctx.chain = ancestors.map((link) => link.agentId);
    // The chain phase proved parent_agent_id names the last link, whose principal carries its own
    // issuer's namespace; the bare claim would let a partner parent pass for a home one.
    const parent = ancestors[ancestors.length - 1]?.agentId;
    if (token.parentAgentId !== undefined && parent !== undefined) ctx.parent = parent;

    // Listed before anything can refuse the request: a shadow-mode would-block is let through too.
    ctx.strip = gateOwnedHeaders(policy, request);
    let tool: ToolCall | undefined;
    try {
      ctx.strip = judgeMethodOverride(request, deps.limits.methodOverride ?? 'deny', ctx.strip);
      tool = mapRequest(policy, request, deps.limits);
    } catch (error) {
      // BODY_* / MCP_* refusals: a deny whatever the default (shadow mode still applies).
      if (!isDutygateError(error)) throw error;
      return enforce(ctx, decideUnmapped(policy, error.code, error.reason));
    }
    if (!tool) {
      const reason = `${request.method} ${request.host}${request.path} maps to no tool of the policy`;
      return enforce(ctx, decideUnmapped(policy, 'NO_TOOL', reason));
    }
    ctx.tool = tool.name;
    ctx.toolEntry = tool.entry;
    if (tool.jsonrpcId !== undefined) ctx.jsonrpcId = tool.jsonrpcId;
    ctx.params = tool.params;

    const initiator = token.initiator === undefined ? undefined : resolvePrincipal(deps.aliases, token.initiator);
    const actor: DutyActor = { agentId: token.agentId, ancestors: ctx.chain, ...(initiator === undefined ? {} : { initiator }) };
    const steps = dutyStepsFor(policy, tool);
    const ledger: LedgerEntry[] = steps.length > 0 ? await stateCall(deps.state.readLedger(steps, nowMs)) : [];
    let decision = evaluate(policy, {
      agent: {
        id: token.agentId,
        issuer: token.namespace.name,
        ...(ctx.parent === undefined ? {} : { parentId: ctx.parent }),
        ...(initiator === undefined ? {} : { initiator }),
        ancestors: ctx.chain,
      },
      tool,
      ledger,
    });

    if (decision.kind === 'approval_needed' && deps.approvals) {
      const overrideToken = request.headers.get('x-dutygate-override');
      const traceparent = ctx.traceparent ?? request.headers.get('traceparent');
      let resolution;
      try {
        resolution = await deps.approvals.resolve(
          {
            decision,
            policy,
            token,
            ...(initiator === undefined ? {} : { initiator }),
            chain: ctx.chain,
            tool,
            request: requestBindingOf(request),
            ...(overrideToken === undefined ? {} : { overrideToken }),
            decisionId: ctx.decisionId,
            ...(traceparent === undefined ? {} : { traceparent }),
          },
          nowMs,
        );
      } catch (error) {
        // An override that does not fit, or an approval over the pending cap, is a deny quoting
        // the rule that asked for approval.
        if (isDutygateError(error) && (error.code.startsWith('OVERRIDE_') || error.code === 'APPROVAL_LIMIT')) {
          return denyOutcome(ctx, error.code, error.reason, { ...decision, kind: 'deny' });
        }
        throw error;
      }
      ctx.approvalId = resolution.approvalId;
      if (resolution.kind === 'pending') {
        ctx.statusUrl = resolution.statusUrl;
        ctx.approvalExpiresAt = resolution.expiresAt;
        return enforce(ctx, decision);
      }
      // Lifted (override token or break-glass): the approved call goes on like an allow, its
      // duty steps committed; an override never reaches here for a deny.
      ctx.liftedBy = resolution.via;
      decision = { ...decision, kind: 'allow', code: 'OK' };
    }

    if ((decision.kind === 'allow' || decision.kind === 'sanitize') && decision.dutySteps.length > 0) {
      const { enforcedSteps, requiringRule } = markEnforcedSteps(policy, decision);
      const conflict = await stateCall(deps.state.commitDutySteps(enforcedSteps, actor, nowMs));
      // Two replicas (or two concurrent checks) can both pass evaluate() on the same ledger
      // snapshot; the atomic commit is the real arbiter.
      if (conflict) return enforce(ctx, conflictDecision(policy, decision, conflict, requiringRule));
    }
    return enforce(ctx, decision);
  }

  return async (request, transport) => {
    const ctx: CheckContext = { decisionId: transport?.decisionId ?? randomUUID(), ...(transport?.traceparent === undefined ? {} : { traceparent: transport.traceparent }) };
    try {
      return await withDeadline(decide(request, ctx, transport?.deadline), deps.limits.checkTimeoutMs, 'INTERNAL', 'the check did not finish within its deadline');
    } catch (error) {
      if (isDutygateError(error)) return denyOutcome(ctx, error.code, error.reason);
      return denyOutcome(ctx, 'INTERNAL', 'internal error; the gate fails closed');
    }
  };
}

/** Turns a policy decision into the outcome Envoy enforces. */
function enforce(ctx: CheckContext, decision: Decision): CheckOutcome {
  if (decision.kind === 'allow' || decision.kind === 'sanitize') return allowOutcome(ctx, decision);
  if (decision.kind === 'approval_needed') {
    if (ctx.approvalId === undefined) {
      return denyOutcome(ctx, 'APPROVAL_UNAVAILABLE', 'this call needs a human approval and approvals are not enabled on this gate', decision);
    }
    const reason = decision.reason ?? 'this call needs a human approval: poll status_url, then retry once with its override_token in x-dutygate-override';
    return denyOutcome(ctx, 'APPROVAL_REQUIRED', reason, decision);
  }
  return denyOutcome(ctx, decision.code as DenyCode, decision.reason, decision);
}

/**
 * Marks which duty steps the commit must check: those of duties that a matched rule requires
 * (`require: { duty }`); other steps are only recorded, as `evaluate()` only checks required ones.
 */
function markEnforcedSteps(policy: CompiledPolicy, decision: Decision): { enforcedSteps: DutyStep[]; requiringRule: Map<string, string> } {
  const requiringRule = new Map<string, string>();
  for (const rule of policy.rules) {
    if (rule.require.duty !== undefined && decision.matchedRules.includes(rule.id) && !requiringRule.has(rule.require.duty)) {
      requiringRule.set(rule.require.duty, rule.id);
    }
  }
  return { enforcedSteps: decision.dutySteps.map((step) => ({ ...step, enforced: requiringRule.has(step.duty) })), requiringRule };
}

/** The deny for a conflict found at commit, quoting the requiring rule's clause like evaluate() does. */
function conflictDecision(policy: CompiledPolicy, decision: Decision, conflict: LedgerEntry, requiringRule: Map<string, string>): Decision {
  const rule = policy.rules.find((candidate) => candidate.id === requiringRule.get(conflict.duty));
  const reason = `step '${conflict.step}' of ${conflict.duty} ${JSON.stringify(conflict.resource)} was already performed by the same actor`;
  const shadow = decision.shadow || rule?.mode === 'shadow';
  if (shadow) return { ...decision, shadow: true, wouldBlock: true, shadowKind: 'deny', shadowCode: 'SOD_DUTY_CONFLICT', reason };
  return {
    ...decision,
    kind: 'deny',
    code: 'SOD_DUTY_CONFLICT',
    reason,
    ...(rule ? { ruleId: rule.id, clause: rule.requireClauses.SOD_DUTY_CONFLICT } : {}),
    changes: undefined,
  };
}

function identityFields(ctx: CheckContext) {
  const token = ctx.token;
  return {
    decisionId: ctx.decisionId,
    ...(ctx.policyVersion === undefined ? {} : { policyVersion: ctx.policyVersion }),
    ...(token === undefined ? {} : { agentId: token.agentId, jti: token.jti }),
    ...(ctx.parent === undefined ? {} : { parentAgentId: ctx.parent }),
    ...(token?.initiator === undefined ? {} : { initiator: token.initiator }),
    ...(ctx.chain === undefined ? {} : { chain: ctx.chain }),
    ...(ctx.tool === undefined ? {} : { tool: ctx.tool }),
    ...(ctx.toolEntry === undefined ? {} : { toolEntry: ctx.toolEntry }),
    ...(ctx.jsonrpcId === undefined ? {} : { jsonrpcId: ctx.jsonrpcId }),
    ...(ctx.params === undefined ? {} : { params: ctx.params }),
    ...(ctx.approvalId === undefined ? {} : { approvalId: ctx.approvalId }),
    ...(ctx.statusUrl === undefined ? {} : { statusUrl: ctx.statusUrl }),
    ...(ctx.approvalExpiresAt === undefined ? {} : { approvalExpiresAt: ctx.approvalExpiresAt }),
    ...(ctx.liftedBy === undefined ? {} : { liftedBy: ctx.liftedBy }),
  };
}

function allowOutcome(ctx: CheckContext, decision: Decision | undefined): CheckOutcome {
  return {
    ...identityFields(ctx),
    decision: decision?.kind === 'sanitize' ? 'sanitize' : 'allow',
    code: 'OK',
    ...(decision?.ruleId === undefined ? {} : { ruleId: decision.ruleId }),
    ...(decision?.changes === undefined ? {} : { changes: decision.changes }),
    ...(ctx.strip === undefined ? {} : { strip: ctx.strip }),
    shadow: decision?.shadow ?? false,
    wouldBlock: decision?.wouldBlock ?? false,
    ...(decision?.wouldBlock && decision.clause ? { clause: decision.clause } : {}),
    ...(decision?.wouldBlock && decision.shadowCode ? { wouldBlockCode: decision.shadowCode } : {}),
  };
}

function denyOutcome(ctx: CheckContext, code: DenyCode, reason?: string, decision?: Decision): CheckOutcome {
  return {
    ...identityFields(ctx),
    decision: decision?.kind === 'approval_needed' && code !== 'APPROVAL_UNAVAILABLE' ? 'approval_needed' : 'deny',
    code,
    ...(reason === undefined ? {} : { reason }),
    ...(decision?.ruleId === undefined ? {} : { ruleId: decision.ruleId }),
    ...(decision?.clause === undefined ? {} : { clause: decision.clause }),
    shadow: false,
    wouldBlock: false,
  };
}
