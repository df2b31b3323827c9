/**
 * AuthZEN Authorization API 1.0 (OpenID) → the protocol-neutral {@link HttpRequest} the Check
 * pipeline judges. This is the second adapter beside `src/authz/` (Envoy): it builds the very
 * request Envoy's CheckRequest would have produced, so identity, replay, chain, mapping, policy,
 * approvals, ledger and audit run unchanged.
 *
 * The mapping (README "AuthZEN"):
 * - `subject` `{type: "agent", id}`: the agent; `id` must be the agent token's `agent_id`.
 * - `context.agent_token` (the agent's compact JWS, as in `authorization: Bearer`),
 *   `context.agent_chain` (ancestors' delegation attestations, root first: an array or the `x-agent-chain` string),
 *   `context.override_token` (`x-dutygate-override`), `context.traceparent`.
 * - `resource` `{type: "http", id: "<scheme>://<host><path>[?query]"}` with `action.name` the HTTP
 *   method; `resource.properties.headers` (other request headers), `.body` (a JSON value) or
 *   `.body_text` (the raw body). The policy's `tools:` map it, exactly as for Envoy.
 * - `resource` `{type: "mcp_tool", id: "<tool name>"}` with `action.name` `tools/call`:
 *   `resource.properties.endpoint` (the MCP endpoint URL) and `.arguments`; it becomes the
 *   JSON-RPC POST an MCP client would send (with its SEP-2243 mirrored headers).
 */
import { Buffer } from 'node:buffer';
import type { HttpRequest } from '../request/http-request.js';

/** The parts of one evaluation (after batch defaults are applied). */
export interface EvaluationInput {
  readonly subject?: unknown;
  readonly action?: unknown;
  readonly resource?: unknown;
  readonly context?: unknown;
}

/** A request for the pipeline, with the transport context the Envoy adapter would pass. */
export interface ParsedEvaluation {
  readonly request: HttpRequest;
  readonly traceparent?: string;
}

/** Bounds on what a PEP may send (the gate's `limits`). */
export interface EvaluationLimits {
  readonly maxBodyBytes: number;
  readonly maxHeaderBytes: number;
}

/** An evaluation the API cannot turn into a request: a 400, never a Check. */
export class EvaluationError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

// Credentials and gate instructions travel in `context`, never as resource headers: one source each.
const RESERVED_HEADERS: ReadonlySet<string> = new Set(['authorization', 'x-agent-chain', 'x-dutygate-override']);
// Not normalised (no dot-segment removal, no re-encoding): the upstream sees the path as sent.
const ABSOLUTE_URL = /^(https?):\/\/([^/?#\s@]+)(\/[^?#\s]*)?(?:\?([^#\s]*))?$/i;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Builds the pipeline's request from one evaluation.
 *
 * @throws EvaluationError with a precise, caller-safe reason (never echoes a token).
 */
export function parseEvaluation(input: EvaluationInput, limits: EvaluationLimits): ParsedEvaluation {
  const subject = object(input.subject, 'subject');
  const action = object(input.action, 'action');
  const resource = object(input.resource, 'resource');
  const context = input.context === undefined ? {} : object(input.context, 'context');
  if (subject.type !== 'agent') throw new EvaluationError('subject.type must be "agent"');
  const subjectId = string(subject.id, 'subject.id');
  const actionName = string(action.name, 'action.name');
  const resourceType = string(resource.type, 'resource.type');
  const resourceId = string(resource.id, 'resource.id');
  const properties = resource.properties === undefined ? {} : object(resource.properties, 'resource.properties');

  const token = string(context.agent_token, 'context.agent_token');
  const claimed = unverifiedAgentId(token);
  // Checked before the pipeline so a mismatch spends no token; the pipeline verifies the signature.
  if (claimed !== undefined && claimed !== subjectId) throw new EvaluationError('subject.id is not the agent_id of context.agent_token');

  const headers = new Map<string, string>([['authorization', `Bearer ${token}`]]);
  const chain = chainHeader(context.agent_chain);
  if (chain !== undefined) headers.set('x-agent-chain', chain);
  if (context.override_token !== undefined) headers.set('x-dutygate-override', string(context.override_token, 'context.override_token'));
  const traceparent = context.traceparent === undefined ? undefined : string(context.traceparent, 'context.traceparent');

  const built = resourceType === 'http' ? httpRequest(actionName, resourceId, properties, headers)
    : resourceType === 'mcp_tool' ? mcpToolRequest(actionName, resourceId, properties, headers)
    : undefined;
  if (!built) throw new EvaluationError('resource.type must be "http" or "mcp_tool"');
  let headerBytes = 0;
  for (const [name, value] of headers) headerBytes += name.length + value.length;
  if (headerBytes > limits.maxHeaderBytes) throw new EvaluationError(`the request headers exceed ${limits.maxHeaderBytes} bytes`);
  if (built.body !== undefined && built.body.byteLength > limits.maxBodyBytes) throw new EvaluationError(`the resource body exceeds ${limits.maxBodyBytes} bytes`);
  return { request: built, ...(traceparent === undefined ? {} : { traceparent }) };
}

function httpRequest(method: string, url: string, properties: Record<string, unknown>, headers: Map<string, string>): HttpRequest {
  if (!TOKEN.test(method)) throw new EvaluationError('action.name must be an HTTP method for a resource of type "http"');
  const target = parseUrl(url, 'resource.id');
  if (properties.headers !== undefined) {
    const extra = object(properties.headers, 'resource.properties.headers');
    for (const [rawName, value] of Object.entries(extra)) {
      const name = rawName.toLowerCase();
      if (!TOKEN.test(name)) throw new EvaluationError(`resource.properties.headers: '${rawName}' is not a header name`);
      if (RESERVED_HEADERS.has(name)) throw new EvaluationError(`resource.properties.headers: send ${name} in context (agent_token, agent_chain, override_token)`);
      headers.set(name, string(value, `resource.properties.headers.${rawName}`));
    }
  }
  if (properties.body !== undefined && properties.body_text !== undefined) throw new EvaluationError('resource.properties: send body or body_text, not both');
  let body: Uint8Array | undefined;
  if (properties.body_text !== undefined) body = Buffer.from(string(properties.body_text, 'resource.properties.body_text', true), 'utf8');
  else if (properties.body !== undefined) {
    body = Buffer.from(JSON.stringify(properties.body), 'utf8');
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  return { method: method.toUpperCase(), ...target, headers, body, bodyTruncated: false, contextExtensions: {} };
}

function mcpToolRequest(method: string, name: string, properties: Record<string, unknown>, headers: Map<string, string>): HttpRequest {
  if (method !== 'tools/call') throw new EvaluationError('action.name must be "tools/call" for a resource of type "mcp_tool"');
  const target = parseUrl(string(properties.endpoint, 'resource.properties.endpoint'), 'resource.properties.endpoint');
  const args = properties.arguments === undefined ? {} : object(properties.arguments, 'resource.properties.arguments');
  const message = { jsonrpc: '2.0', id: 1, method, params: { name, arguments: args } };
  headers.set('content-type', 'application/json');
  if (properties.protocol_version !== undefined) {
    // A client of that revision would mirror the method and name (SEP-2243); the body says the same.
    headers.set('mcp-protocol-version', string(properties.protocol_version, 'resource.properties.protocol_version'));
    headers.set('mcp-method', method);
    headers.set('mcp-name', /^[\x20-\x7e]*$/.test(name) && name.trim() === name ? name : `=?base64?${Buffer.from(name, 'utf8').toString('base64')}?=`);
  }
  return { method: 'POST', ...target, headers, body: Buffer.from(JSON.stringify(message), 'utf8'), bodyTruncated: false, contextExtensions: {} };
}

function parseUrl(url: string, field: string): Pick<HttpRequest, 'host' | 'path' | 'query'> {
  const match = ABSOLUTE_URL.exec(url);
  if (!match) throw new EvaluationError(`${field} must be an absolute http(s) URL without a fragment`);
  const authority = (match[2] ?? '').toLowerCase();
  // `[::1]:8080` keeps its brackets; a trailing `:port` is dropped like Envoy's :authority.
  const host = authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority.replace(/:\d*$/, '');
  return { host, path: match[3] ?? '/', query: match[4] ?? '' };
}

function chainHeader(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((link): link is string => typeof link === 'string' && !link.includes(','))) return value.join(',');
  throw new EvaluationError('context.agent_chain must be an array of tokens (root first) or the x-agent-chain string');
}

/**
 * The agent the token names, read without verification (only to refuse a subject mismatch
 * early): `agent_id`, else the current actor `act.sub` of an RFC 8693 delegated token.
 */
function unverifiedAgentId(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const record = claims as Record<string, unknown>;
    const act = record.act;
    const id = record.agent_id ?? (typeof act === 'object' && act !== null ? (act as Record<string, unknown>).sub : undefined);
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EvaluationError(`${field} must be an object`);
  return value as Record<string, unknown>;
}

function string(value: unknown, field: string, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value === '')) throw new EvaluationError(`${field} must be a non-empty string`);
  return value;
}
