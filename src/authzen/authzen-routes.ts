/**
 * The AuthZEN Authorization API 1.0 on the HTTP port: `POST /access/v1/evaluation`,
 * `POST /access/v1/evaluations` and `GET /.well-known/authzen-configuration`. Every evaluation is
 * one run of the same audited Check function the gRPC server calls — one decision core, two
 * adapters — so it verifies and spends the agent token, checks the chain, writes the ledger,
 * opens approvals, and leaves a span and a decision-log line exactly as over Envoy.
 */
import type { IncomingMessage } from 'node:http';
import type { CheckOutcome } from '../check/outcome.js';
import type { HttpResult, HttpRoutes } from '../lib/http-routes.js';
import type { AdminAuth } from '../lib/admin-token.js';
import type { CheckContext } from '../check/check-function.js';
import type { HttpRequest } from '../request/http-request.js';
import { BodyError, readBody } from '../approvals/http/read-body.js';
import { parseStrictJson } from '../policy/mapping/parse-json.js';
import { toAuthzenDecision, type AuthzenDecision } from './decision-context.js';
import { EvaluationError, parseEvaluation, type EvaluationInput, type EvaluationLimits } from './parse-evaluation.js';

/** Paths of the API (AuthZEN 1.0 §HTTPS binding, §PDP metadata). */
export const AUTHZEN_PATHS = {
  evaluation: '/access/v1/evaluation',
  evaluations: '/access/v1/evaluations',
  metadata: '/.well-known/authzen-configuration',
} as const;

/** `options.evaluations_semantic` values (AuthZEN 1.0, evaluations semantics). */
const SEMANTICS = ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'] as const;
type Semantic = (typeof SEMANTICS)[number];

/** Dependencies of {@link createAuthzenRoutes}. */
export interface AuthzenRoutesOptions {
  /** The audited Check function (the one the gRPC server calls). */
  readonly check: (request: HttpRequest, context: CheckContext) => Promise<CheckOutcome>;
  /** Checks the PEP's `authorization: Bearer` (constant time). */
  readonly auth: AdminAuth;
  readonly limits: EvaluationLimits & { readonly maxJsonDepth: number; readonly maxTokenBytes: number };
  readonly maxEvaluations: number;
  /** The `policy_decision_point` identifier (read per call: known once HTTP listens). */
  readonly pdpUrl: () => string;
  readonly now: () => number;
}

const MAX_REQUEST_ID = 256;

/** The API's routes for the gate's HTTP server. */
export function createAuthzenRoutes(options: AuthzenRoutesOptions): HttpRoutes {
  const { limits } = options;
  // One evaluation: the resource body, its headers, the agent token and a full chain, plus framing.
  const perEvaluation = limits.maxBodyBytes + limits.maxHeaderBytes + 10 * limits.maxTokenBytes + 4096;

  async function evaluateOne(input: EvaluationInput): Promise<AuthzenDecision> {
    const parsed = parseEvaluation(input, limits);
    const context: CheckContext = { via: 'authzen', ...(parsed.traceparent === undefined ? {} : { traceparent: parsed.traceparent }) };
    return toAuthzenDecision(await options.check(parsed.request, context), options.now());
  }

  /** Authenticates, bounds and parses a POST; a result is the refusal to send instead. */
  async function readCall(request: IncomingMessage, maxBytes: number): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; result: HttpResult }> {
    const requestId = requestIdOf(request);
    if (requestId === null) return { ok: false, result: refusal(400, 'BAD_REQUEST', `X-Request-ID must be at most ${MAX_REQUEST_ID} characters`, undefined) };
    // Before the body is read: an unauthenticated caller costs nothing and changes nothing.
    if (!options.auth.verify(request.headers.authorization)) {
      return { ok: false, result: { ...refusal(401, 'UNAUTHENTICATED', 'this PDP needs the configured PEP bearer token', requestId), headers: { ...echo(requestId), 'www-authenticate': 'Bearer' } } };
    }
    let bytes: Buffer;
    try {
      bytes = await readBody(request, maxBytes);
    } catch (error) {
      if (error instanceof BodyError) return { ok: false, result: refusal(error.code === 'BODY_TOO_LARGE' ? 413 : 400, error.code, error.message, requestId) };
      throw error;
    }
    // Strict: a key given twice would be judged as one value while the PEP may act on the other.
    const parsed = parseStrictJson(bytes, { maxBodyBytes: maxBytes, maxJsonDepth: limits.maxJsonDepth + 8 });
    if (!parsed.ok) return { ok: false, result: refusal(400, parsed.code, parsed.reason, requestId) };
    const value = parsed.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, result: refusal(400, 'BAD_REQUEST', 'the body must be a JSON object', requestId) };
    return { ok: true, value: value as Record<string, unknown> };
  }

  /** One evaluation as the whole answer: 200 with its decision, or 400 for a malformed one. */
  async function single(body: EvaluationInput, requestId: string | undefined): Promise<HttpResult> {
    try {
      return { status: 200, body: await evaluateOne(body), headers: echo(requestId) };
    } catch (error) {
      if (error instanceof EvaluationError) return refusal(400, 'BAD_REQUEST', error.reason, requestId);
      throw error;
    }
  }

  const evaluation = async (request: IncomingMessage): Promise<HttpResult> => {
    const call = await readCall(request, perEvaluation);
    if (!call.ok) return call.result;
    return single(call.value, requestIdOf(request) ?? undefined);
  };

  const evaluations = async (request: IncomingMessage): Promise<HttpResult> => {
    const call = await readCall(request, perEvaluation * options.maxEvaluations);
    if (!call.ok) return call.result;
    const body = call.value;
    const requestId = requestIdOf(request) ?? undefined;
    const list = body.evaluations;
    // Without an `evaluations` array the request is a single evaluation (AuthZEN 1.0, backwards compatible).
    if (list === undefined || (Array.isArray(list) && list.length === 0)) return single(body, requestId);
    if (!Array.isArray(list)) return refusal(400, 'BAD_REQUEST', 'evaluations must be an array', requestId);
    if (list.length > options.maxEvaluations) return refusal(400, 'BAD_REQUEST', `at most ${options.maxEvaluations} evaluations per request (authzen.max_evaluations)`, requestId);
    const semantic = semanticOf(body.options);
    if (semantic === undefined) return refusal(400, 'BAD_REQUEST', `options.evaluations_semantic must be one of ${SEMANTICS.join(', ')}`, requestId);

    const results: AuthzenDecision[] = [];
    // In order, one at a time: the short-circuit semantics and the duty ledger both read order.
    for (const item of list) {
      const result = await evaluateItem(body, item);
      results.push(result);
      if (semantic === 'deny_on_first_deny' && !result.decision) break;
      if (semantic === 'permit_on_first_permit' && result.decision) break;
    }
    return { status: 200, body: { evaluations: results }, headers: echo(requestId) };
  };

  /** One batch entry: top-level subject/action/resource/context are defaults an entry's own replace. */
  async function evaluateItem(defaults: Record<string, unknown>, item: unknown): Promise<AuthzenDecision> {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return itemError('each evaluation must be an object');
    const entry = item as Record<string, unknown>;
    const merged: EvaluationInput = {
      subject: entry.subject ?? defaults.subject,
      action: entry.action ?? defaults.action,
      resource: entry.resource ?? defaults.resource,
      context: entry.context ?? defaults.context,
    };
    try {
      return await evaluateOne(merged);
    } catch (error) {
      // An error in one evaluation is that evaluation's closed decision (AuthZEN 1.0, errors).
      if (error instanceof EvaluationError) return itemError(error.reason);
      throw error;
    }
  }

  const metadata = (request: IncomingMessage): Promise<HttpResult> => {
    const base = options.pdpUrl().replace(/\/+$/, '');
    return Promise.resolve({
      status: 200,
      body: {
        policy_decision_point: base,
        access_evaluation_endpoint: `${base}${AUTHZEN_PATHS.evaluation}`,
        access_evaluations_endpoint: `${base}${AUTHZEN_PATHS.evaluations}`,
      },
      headers: echo(requestIdOf(request) ?? undefined),
    });
  };

  return {
    [`POST ${AUTHZEN_PATHS.evaluation}`]: evaluation,
    [`POST ${AUTHZEN_PATHS.evaluations}`]: evaluations,
    [`GET ${AUTHZEN_PATHS.metadata}`]: metadata,
  };
}

function semanticOf(value: unknown): Semantic | undefined {
  if (value === undefined) return 'execute_all';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const semantic = (value as Record<string, unknown>).evaluations_semantic;
  if (semantic === undefined) return 'execute_all';
  return SEMANTICS.find((known) => known === semantic);
}

function itemError(message: string): AuthzenDecision {
  return { decision: false, context: { code: 'BAD_REQUEST', error: { status: 400, message } } };
}

/** The X-Request-ID to echo (AuthZEN 1.0: the PDP MUST return it); null when unusable. */
function requestIdOf(request: IncomingMessage): string | undefined | null {
  const value = request.headers['x-request-id'];
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  return text.length > MAX_REQUEST_ID ? null : text;
}

function echo(requestId: string | undefined): Record<string, string> {
  return requestId === undefined ? {} : { 'x-request-id': requestId };
}

function refusal(status: number, code: string, message: string, requestId: string | undefined): HttpResult {
  return { status, body: { code, message }, headers: echo(requestId) };
}
