/**
 * The approvals HTTP API (docs/design.md §8):
 *
 * - `GET /v1/approvals/{id}` — the requesting agent (its own bearer token, verified but not
 *   replay-claimed; same `agent_id`) reads the status and, once approved, its override token.
 * - `POST /v1/approvals/{id}/decision` — an approver (bearer JWT from `approvers.issuers`, the
 *   principal is `sub`) approves or denies: `{"decision":"approve"|"deny","reason":"…"}`.
 * - `POST /v1/approvals/{id}/cancel` — the requesting agent (its own token) or the workflow's
 *   initiator (an approver-issuer token whose `sub` is the initiator) withdraws a pending approval.
 * - `GET /v1/approvals?status=pending` — what the calling approver may vote on.
 * - `POST /v1/break-glass` — an approver asks for a time-boxed grant for one agent.
 *
 * Errors are JSON `{code, message}` with the code's HTTP status (see api-error.ts).
 */
import type { IncomingMessage } from 'node:http';
import { DutygateError } from '../../errors.js';
import { parseBearer } from '../../identity/parse-bearer.js';
import { DEFAULT_MAX_IDENTIFIER_LENGTH, type PrincipalClaims } from '../../identity/read-claims.js';
import type { AgentClaims } from '../../identity/types.js';
import { identifierError } from '../../lib/text.js';
import type { HttpResult, HttpRoutes } from '../../lib/http-routes.js';
import type { ApprovalStatus } from '../../state/approval-record.js';
import { parseDuration } from '../../yaml/duration.js';
import type { ApprovalService, Canceller } from '../approval-service.js';
import { MAX_REASON_LENGTH, reasonRequirementOf } from '../reason-rule.js';
import { apiError, errorResult } from './api-error.js';
import { BodyError, readJsonObject } from './read-body.js';
import { agentView, approverView, rulesView } from './views.js';

/** Dependencies of {@link createApprovalsApi}. */
export interface ApprovalsApiOptions {
  readonly service: ApprovalService;
  /** Verifies an agent's `authorization` header (no replay claim). */
  readonly verifyAgent: (authorization: string | undefined, now: Date) => Promise<AgentClaims>;
  /** Verifies an approver token; undefined when no `approvers.issuers` are configured. */
  readonly verifyApprover?: (token: string, now: Date) => Promise<PrincipalClaims>;
  readonly now: () => number;
  /** Largest accepted request body (default 16 KiB). */
  readonly maxBodyBytes?: number;
  /** `limits.max_identifier_length`: a break-glass request's agent and initiator obey the token claims' rule. */
  readonly maxIdentifierLength?: number;
}

const STATUSES: ReadonlySet<string> = new Set(['pending', 'approved', 'denied', 'expired', 'cancelled']);
const ID = /^apr_[A-Za-z0-9_-]{1,64}$/;
const MAX_REASON = MAX_REASON_LENGTH;

/** The API's routes, for the gate's HTTP server. */
export function createApprovalsApi(options: ApprovalsApiOptions): HttpRoutes {
  const { service } = options;
  const maxBody = options.maxBodyBytes ?? 16_384;

  async function approver(request: IncomingMessage, nowMs: number): Promise<string> {
    if (!options.verifyApprover) throw new DutygateError('TOKEN_ISSUER', 'no approver issuer is configured on this gate (approvers.issuers)');
    const claims = await options.verifyApprover(parseBearer(header(request, 'authorization')), new Date(nowMs));
    return claims.sub;
  }

  const guard =
    (handler: (request: IncomingMessage, url: URL) => Promise<HttpResult>) =>
    async (request: IncomingMessage, url: URL): Promise<HttpResult> => {
      try {
        return await handler(request, url);
      } catch (error) {
        if (error instanceof BodyError) return apiError(error.code, error.message);
        const known = errorResult(error);
        if (known) return known;
        throw error;
      }
    };

  /** The agent's own token first (the usual canceller), else the initiator's approver token. */
  async function canceller(request: IncomingMessage, nowMs: number): Promise<Canceller> {
    const authorization = header(request, 'authorization');
    try {
      return { agentId: (await options.verifyAgent(authorization, new Date(nowMs))).agentId };
    } catch (agentError) {
      if (!options.verifyApprover) throw agentError;
      try {
        return { principal: (await options.verifyApprover(parseBearer(authorization), new Date(nowMs))).sub };
      } catch {
        // Neither: answer with the agent verification's code (the token most callers send).
        throw agentError;
      }
    }
  }

  async function cancel(request: IncomingMessage, url: URL): Promise<HttpResult> {
    const id = idOf(url, '/cancel');
    if (id === undefined) return apiError('APPROVAL_NOT_FOUND', 'no such approval (POST /v1/approvals/{id}/cancel)');
    const nowMs = options.now();
    const by = await canceller(request, nowMs);
    request.resume();
    const outcome = await service.cancel(id, by, nowMs);
    if (!outcome.ok) {
      const message = outcome.code === 'APPROVAL_FORBIDDEN' ? 'only the requesting agent or the initiator may cancel this approval' : refusalMessage(outcome.code);
      return apiError(outcome.code, message, outcome.record && outcome.code !== 'APPROVAL_FORBIDDEN' ? { status: outcome.record.status } : {});
    }
    return { status: 200, body: { approval_id: outcome.record.approvalId, status: outcome.record.status, cancelled_by: outcome.record.cancelledBy ?? null } };
  }

  return {
    'GET /v1/approvals': guard(async (request, url) => {
      const nowMs = options.now();
      const principal = await approver(request, nowMs);
      const status = url.searchParams.get('status') ?? 'pending';
      if (!STATUSES.has(status)) return apiError('BAD_REQUEST', 'status must be pending, approved, denied, expired or cancelled');
      const limit = Number(url.searchParams.get('limit') ?? '100');
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) return apiError('BAD_REQUEST', 'limit must be a whole number from 1 to 500');
      const records = await service.listFor(principal, status as ApprovalStatus, nowMs, limit);
      return { status: 200, body: { approvals: records.map(approverView) } };
    }),

    'GET /v1/approvals/*': guard(async (request, url) => {
      const id = idOf(url, '');
      if (id === undefined) return apiError('APPROVAL_NOT_FOUND', 'no such approval');
      const nowMs = options.now();
      const agent = await options.verifyAgent(header(request, 'authorization'), new Date(nowMs));
      const record = await service.get(id, nowMs);
      if (!record) return apiError('APPROVAL_NOT_FOUND', 'no such approval');
      if (record.agentId !== agent.agentId) return apiError('APPROVAL_FORBIDDEN', 'this approval belongs to another agent');
      return { status: 200, body: agentView(record, await service.overrideFor(record, nowMs)) };
    }),

    'POST /v1/approvals/*': guard(async (request, url) => {
      if (url.pathname.endsWith('/cancel')) return cancel(request, url);
      const id = idOf(url, '/decision');
      if (id === undefined) return apiError('APPROVAL_NOT_FOUND', 'no such approval (POST /v1/approvals/{id}/decision)');
      const nowMs = options.now();
      const principal = await approver(request, nowMs);
      const body = await readJsonObject(request, maxBody);
      const { decision, reason } = body;
      if (decision !== 'approve' && decision !== 'deny') return apiError('BAD_REQUEST', 'decision must be "approve" or "deny"');
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON)) return apiError('BAD_REQUEST', `reason must be a string of at most ${MAX_REASON} characters`);
      const outcome = await service.vote(id, principal, decision, 'api', nowMs, reason);
      if (!outcome.ok && outcome.code === 'APPROVAL_REASON_REQUIRED' && outcome.record) {
        const requirement = reasonRequirementOf(outcome.record);
        return apiError(outcome.code, `this approval needs a reason to ${decision} (require_reason: ${requirement}): send {"decision":"${decision}","reason":"…"} with a non-blank reason`, {
          status: outcome.record.status,
          require_reason: requirement,
        });
      }
      if (!outcome.ok) return apiError(outcome.code, refusalMessage(outcome.code), outcome.record ? { status: outcome.record.status } : {});
      const record = outcome.record;
      return {
        status: 200,
        body: { approval_id: record.approvalId, status: record.status, result: outcome.result, approvals: approvalsOf(record), quorum: record.quorum, ...(record.rules ? { rules: rulesView(record, false) } : {}) },
      };
    }),

    'POST /v1/break-glass': guard(async (request) => {
      const nowMs = options.now();
      const requester = await approver(request, nowMs);
      const { agent_id: agentId, reason, ttl, initiator } = await readJsonObject(request, maxBody);
      // Both are compared with verified token claims: the same identifier rule (lib/text.ts).
      const maxIdentifier = options.maxIdentifierLength ?? DEFAULT_MAX_IDENTIFIER_LENGTH;
      if (typeof agentId !== 'string') return apiError('BAD_REQUEST', 'agent_id must be a non-empty string');
      const agentIssue = identifierError(agentId, maxIdentifier);
      if (agentIssue) return apiError('BAD_REQUEST', `agent_id ${agentIssue}`);
      if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_REASON) return apiError('BAD_REQUEST', `reason must be a non-empty string of at most ${MAX_REASON} characters`);
      if (initiator !== undefined && typeof initiator !== 'string') return apiError('BAD_REQUEST', 'initiator, when given, must be a non-empty string');
      const initiatorIssue = initiator === undefined ? undefined : identifierError(initiator, maxIdentifier);
      if (initiatorIssue) return apiError('BAD_REQUEST', `initiator ${initiatorIssue}`);
      const ttlMs = typeof ttl === 'string' ? parseDuration(ttl) : undefined;
      if (ttlMs === undefined || ttlMs <= 0) return apiError('BAD_REQUEST', 'ttl must be a duration such as 30m');
      const outcome = await service.requestBreakGlass({ agentId, reason, ttlMs, requester, ...(initiator === undefined ? {} : { initiator }) }, nowMs);
      if (!outcome.ok) return apiError(outcome.code, outcome.message);
      return { status: outcome.created ? 201 : 200, body: approverView(outcome.record) };
    }),
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `/v1/approvals/{id}{suffix}` → id, when well-formed. */
function idOf(url: URL, suffix: string): string | undefined {
  const rest = url.pathname.slice('/v1/approvals/'.length);
  if (!rest.endsWith(suffix)) return undefined;
  const id = rest.slice(0, rest.length - suffix.length);
  return ID.test(id) ? id : undefined;
}

function approvalsOf(record: { readonly votes: readonly { readonly decision: string }[] }): number {
  return record.votes.filter((vote) => vote.decision === 'approve').length;
}

function refusalMessage(code: string): string {
  switch (code) {
    case 'APPROVER_IS_INITIATOR':
      return "you initiated this workflow (or an alias of yours did): your approval does not count";
    case 'APPROVER_NOT_LISTED':
      return 'you are not a listed approver of this approval';
    case 'APPROVAL_CLOSED':
      return 'this approval is already decided, expired or cancelled';
    default:
      return 'no such approval';
  }
}
