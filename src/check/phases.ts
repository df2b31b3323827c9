/**
 * The phases of a Check (docs/design.md §1), in order: identity → replay → chain → mapping →
 * policy → approval → duties. Each takes what the earlier ones established and returns a value:
 * `next` (go on with this) or `stop` (the outcome, carrying its phase). Every state call and
 * side effect goes through the Check's one {@link Deadline}: after it passes nothing is written.
 * A phase never throws on purpose; an unexpected error is turned into a deny of that phase by
 * the pipeline (check-pipeline.ts).
 */
import { DutygateError, type DenyCode } from '../errors.js';
import { resolvePrincipal } from '../identity/principals.js';
import type { AgentClaims } from '../identity/types.js';
import type { Deadline } from '../lib/deadline.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { decideUnmapped } from '../policy/decide-unmapped.js';
import type { DutyActor } from '../policy/duty-conflict.js';
import { agentOf, conflictAtCommit, dutyStepsFor, evaluate, liftApproval, mapCall, stepsToCommit } from '../policy/judge-call.js';
import type { MappingLimits } from '../policy/mapping/map-request.js';
import type { Decision, ToolCall } from '../policy/types.js';
import type { HttpRequest } from '../request/http-request.js';
import type { StateStore } from '../state/state-store.js';
import type { ApprovalGate, ApprovalNeededCall } from './approval-port.js';
import type { CheckOutcome, CheckPhase } from './outcome.js';
import { denyOutcome, outcomeOf, type CallFacts } from './outcomes.js';
import { replayExpiryMs } from './replay-window.js';
import { gateOwnedHeaders, judgeMethodOverride } from './request-hygiene.js';

/** The duty actor of a call, with what evaluation also reads of the agent: its parent and verifying issuer. */
export type CallActor = DutyActor & { readonly parentId?: string; readonly issuer?: string };

/** A phase's value: go on with `next`, or stop with the outcome. */
export type PhaseResult<T> = { readonly next: T } | { readonly stop: CheckOutcome };

/** Verifies the agent token and its delegation chain (src/identity behind a port). */
export interface AgentAuthenticator {
  /** Verifies `authorization: Bearer …`; throws a `DutygateError` (TOKEN_*, KEYS_UNAVAILABLE). */
  verifyToken(authorization: string | undefined, now: Date): Promise<AgentClaims>;
  /** Verifies `x-agent-chain` for `agent`; resolves the ancestors root first; throws CHAIN_INVALID. */
  verifyChain(agent: AgentClaims, chainHeader: string | undefined, now: Date): Promise<readonly AgentClaims[]>;
}

/** What the phases need from the gate, prepared once at start-up. */
export interface PhaseDependencies {
  readonly authenticator: AgentAuthenticator;
  readonly state: StateStore;
  readonly limits: MappingLimits & {
    /** Method-override channels: deny (default) or strip. */
    readonly methodOverride?: 'deny' | 'strip';
    /** The token is spent only while at least this much of the deadline is left (else OVERLOADED). */
    readonly admissionReserveMs?: number;
  };
  /** Deadline of each state call; undefined when the store bounds its own calls (Redis) or answers in process. */
  readonly stateTimeoutMs: number | undefined;
  readonly clockSkewMs: number;
  readonly aliases: Readonly<Record<string, string>>;
  readonly approvals?: ApprovalGate;
}

/** One Check's inputs, shared by every phase. */
export interface PhaseInput {
  readonly request: HttpRequest;
  readonly facts: CallFacts;
  readonly deadline: Deadline;
  readonly policy: CompiledPolicy;
  /** The Check's clock (injected for tests), ms since the epoch. */
  readonly nowMs: number;
}

const stop = (outcome: CheckOutcome): PhaseResult<never> => ({ stop: outcome });
// A code and a reason, not a DutygateError: an expected deny (a replayed token, a shed Check)
// needs no Error object and its stack trace, which cost measurable CPU on every such Check.
const deny = (input: PhaseInput, phase: CheckPhase, code: DenyCode, reason: string): PhaseResult<never> =>
  stop(denyOutcome(input.facts, phase, { code, reason }));

/** identity: the agent token (signature, issuer, audience, lifetime, claims). */
export async function identityPhase(deps: PhaseDependencies, input: PhaseInput): Promise<PhaseResult<AgentClaims>> {
  const token = await deps.authenticator.verifyToken(input.request.headers.get('authorization'), new Date(input.nowMs));
  input.facts.token = token;
  return { next: token };
}

/**
 * replay: spend the token's jti, once. A token is spent whether the decision is allow or deny,
 * so probing costs a token. The deadline is asked first: a Check that waited too long (a busy
 * event loop under a burst) is shed with its token unspent (OVERLOADED), rather than spending
 * it and then missing the deadline. Real time, as the transport's deadline.
 */
export async function replayPhase(deps: PhaseDependencies, input: PhaseInput, token: AgentClaims): Promise<PhaseResult<true>> {
  if (input.deadline.remainingMs() < (deps.limits.admissionReserveMs ?? 0) || input.deadline.passed()) {
    return deny(input, 'replay', 'OVERLOADED', 'the gate is over capacity (too little time left to decide); the token was not spent: retry');
  }
  const expiresAt = replayExpiryMs(token.exp, deps.clockSkewMs);
  const fresh = await input.deadline.call(() => deps.state.claimJti({ purpose: 'agent', issuer: token.iss }, token.jti, expiresAt, input.nowMs), deps.stateTimeoutMs);
  if (!fresh) return deny(input, 'replay', 'REPLAY', 'this token (jti) was already used; mint a new token for every call');
  return { next: true };
}

/** chain: the delegation attestations; the duty actor is the agent, its lineage and its initiator. */
export async function chainPhase(deps: PhaseDependencies, input: PhaseInput, token: AgentClaims): Promise<PhaseResult<CallActor>> {
  const ancestors = await deps.authenticator.verifyChain(token, input.request.headers.get('x-agent-chain'), new Date(input.nowMs));
  const chain = ancestors.map((link) => link.agentId);
  input.facts.chain = chain;
  // The chain phase proved parent_agent_id names the last link, whose principal carries its own
  // issuer's namespace; the bare claim would let a partner parent pass for a home one.
  const parent = ancestors[ancestors.length - 1]?.agentId;
  if (token.parentAgentId !== undefined && parent !== undefined) input.facts.parent = parent;
  // Field by field (no spreads), in the order agentId, ancestors, initiator, parentId, issuer.
  const actor: { -readonly [K in keyof CallActor]: CallActor[K] } = { agentId: token.agentId, ancestors: chain };
  if (token.initiator !== undefined) actor.initiator = resolvePrincipal(deps.aliases, token.initiator);
  if (input.facts.parent !== undefined) actor.parentId = input.facts.parent;
  actor.issuer = token.namespace.name;
  return { next: actor };
}

/**
 * mapping: request → tool call. Gate-owned headers are listed before anything can refuse the
 * request (a shadow-mode would-block is let through too, and must not carry them upstream).
 */
export function mappingPhase(deps: PhaseDependencies, input: PhaseInput): PhaseResult<ToolCall> {
  const { facts, policy, request } = input;
  facts.strip = gateOwnedHeaders(policy, request);
  try {
    facts.strip = judgeMethodOverride(request, deps.limits.methodOverride ?? 'deny', facts.strip);
  } catch (error) {
    if (error instanceof DutygateError) return stop(outcomeOf(facts, 'mapping', decideUnmapped(policy, error.code, error.reason)));
    throw error;
  }
  const mapped = mapCall(policy, request, deps.limits);
  if ('unmapped' in mapped) return stop(outcomeOf(facts, 'mapping', mapped.unmapped));
  const tool = mapped.tool;
  facts.tool = tool.name;
  facts.toolEntry = tool.entry;
  if (tool.jsonrpcId !== undefined) facts.jsonrpcId = tool.jsonrpcId;
  facts.params = tool.params;
  return { next: tool };
}

/** policy: read the ledger for the call's duty steps, then the pure evaluation. */
export async function policyPhase(deps: PhaseDependencies, input: PhaseInput, tool: ToolCall, actor: CallActor): Promise<PhaseResult<Decision>> {
  const steps = dutyStepsFor(input.policy, tool);
  const ledger = steps.length > 0 ? await input.deadline.call(() => deps.state.readLedger(steps, input.nowMs), deps.stateTimeoutMs) : [];
  const decision = evaluate(input.policy, { agent: agentOf(actor), tool, ledger });
  if (decision.kind === 'deny') return stop(outcomeOf(input.facts, 'policy', decision));
  if (decision.kind === 'approval_needed' && !deps.approvals) return stop(outcomeOf(input.facts, 'policy', decision));
  return { next: decision };
}

/**
 * approval: an approval_needed decision is lifted by a fitting override token or a break-glass
 * grant (the call goes on like an allow), or becomes a pending approval the agent waits for.
 * An override that does not fit, or an approval over the pending cap, is a deny quoting the rule
 * that asked for approval. Other decisions pass through.
 */
export async function approvalPhase(deps: PhaseDependencies, input: PhaseInput, tool: ToolCall, actor: DutyActor, decision: Decision): Promise<PhaseResult<{ decision: Decision; phase: CheckPhase }>> {
  if (decision.kind !== 'approval_needed' || !deps.approvals) return { next: { decision, phase: 'policy' } };
  const { facts, request, policy } = input;
  const token = facts.token;
  if (!token) throw new DutygateError('INTERNAL', 'the approval phase ran without a verified token');
  const overrideToken = request.headers.get('x-dutygate-override');
  const traceparent = facts.traceparent ?? request.headers.get('traceparent');
  // Field by field, no spreads (the approval gate reads the call by name, never serialises it).
  const call: { -readonly [K in keyof ApprovalNeededCall]: ApprovalNeededCall[K] } = { decision, policy, token, chain: actor.ancestors ?? [], tool, request, decisionId: facts.decisionId };
  if (actor.initiator !== undefined) call.initiator = actor.initiator;
  if (overrideToken !== undefined) call.overrideToken = overrideToken;
  if (traceparent !== undefined) call.traceparent = traceparent;
  let resolution;
  try {
    resolution = await deps.approvals.resolve(call, input.nowMs, input.deadline);
  } catch (error) {
    if (error instanceof DutygateError && (error.code.startsWith('OVERRIDE_') || error.code === 'APPROVAL_LIMIT')) {
      return stop(denyOutcome(facts, 'approval', { code: error.code, reason: error.reason, decision: { ...decision, kind: 'deny' } }));
    }
    throw error;
  }
  facts.approvalId = resolution.approvalId;
  if (resolution.kind === 'pending') {
    facts.statusUrl = resolution.statusUrl;
    facts.approvalExpiresAt = resolution.expiresAt;
    return stop(outcomeOf(facts, 'approval', decision));
  }
  facts.liftedBy = resolution.via;
  return { next: { decision: liftApproval(decision), phase: 'approval' } };
}

/**
 * duties: the atomic ledger commit of an allowed call's duty steps. Two replicas (or two
 * concurrent Checks) can both pass evaluation on one ledger snapshot; the commit is the arbiter.
 */
export async function dutiesPhase(deps: PhaseDependencies, input: PhaseInput, actor: DutyActor, decision: Decision, phase: CheckPhase): Promise<CheckOutcome> {
  const steps = stepsToCommit(input.policy, decision);
  if (steps.length === 0) return outcomeOf(input.facts, phase, decision);
  const conflict = await input.deadline.call(() => deps.state.commitDutySteps(steps, actor, input.nowMs), deps.stateTimeoutMs);
  if (conflict) return outcomeOf(input.facts, 'duties', conflictAtCommit(input.policy, decision, conflict));
  return outcomeOf(input.facts, phase, decision);
}
