import { DutygateError } from '../../errors.js';
import type { CompiledTool } from '../compiled.js';
import { MCP_METHOD_PREFIX, MCP_RESPONSE, MCP_STREAM, MCP_TOOL_PREFIX } from '../tool-refs.js';
import type { ToolCall } from '../types.js';
import type { HttpRequest } from '../../request/http-request.js';
import { checkAgainstBody, MIRRORED_HEADERS_SINCE, readMcpHeaders, requireMirroredHeaders, type McpHeaders } from './mcp-headers.js';
import { parseStrictJson, type JsonLimits } from './parse-json.js';
import { checkToolName, type ToolNameRule } from './tool-name.js';

/**
 * Maps a request to a `protocol: mcp` entry (MCP streamable HTTP transport) to a tool call:
 * - POST carries one JSON-RPC 2.0 message. `tools/call` → `mcp:<params.name>` with
 *   `params.arguments` as params (absent → `{}`); any other method or notification →
 *   `mcp.method:<method>` with `params` as params (so `resources/read` exposes `uri`); a
 *   client's response to a server request → `mcp.response`.
 * - Any other method without a body (the GET that opens the event stream, the DELETE that ends
 *   a session) → `mcp.stream`.
 * Batches (an array) are refused with MCP_BATCH — current MCP revisions removed them, and one
 * allowed call must not carry a forbidden one; any other shape is MCP_MALFORMED. A tool name
 * outside the MCP spec's guidance (see `tool-name.ts`) is MCP_TOOL_NAME, from the body or `Mcp-Name`.
 *
 * Mirrored headers (SEP-2243): with `MCP-Protocol-Version` 2026-07-28 or later a POST must carry
 * `Mcp-Method` (and `Mcp-Name` for tools/call, resources/read, prompts/get); a POST whose body
 * Envoy did not buffer, or cut, is then judged from them (the arguments are unseen: `{}`, so a
 * param condition is UNKNOWN and fails closed). For older or absent versions the headers are
 * never trusted and a cut body denies. Whenever a body is read, headers that were sent must
 * agree with it (MCP_HEADER_MISMATCH).
 */
export function mapMcp(entry: CompiledTool, request: HttpRequest, limits: JsonLimits & ToolNameRule): ToolCall {
  const hasBody = request.body !== undefined && request.body.byteLength > 0;
  if (request.method.toUpperCase() !== 'POST') {
    if (hasBody || request.bodyTruncated) throw malformed(`an MCP ${request.method} request carries no JSON-RPC body`);
    return { name: MCP_STREAM, entry: entry.name, params: {} };
  }
  const mirrored = readMcpHeaders(request.headers);
  if (mirrored.required && (request.bodyTruncated || !hasBody)) return fromHeaders(entry, mirrored, limits);
  if (request.bodyTruncated) throw DutygateError.expected('BODY_TOO_LARGE', 'the MCP message was truncated by the proxy (larger than its max_request_bytes)');
  if (!hasBody || request.body === undefined) throw malformed('a POST to an MCP endpoint must carry one JSON-RPC message');
  const parsed = parseStrictJson(request.body, limits);
  if (!parsed.ok) throw DutygateError.expected(parsed.code, parsed.reason);
  const message = parsed.value;
  if (Array.isArray(message)) throw DutygateError.expected('MCP_BATCH', 'JSON-RPC batches are not accepted: send one message per request');
  if (!isObject(message)) throw malformed('the JSON-RPC message must be an object');
  if (message.jsonrpc !== '2.0') throw malformed('"jsonrpc" must be "2.0"');
  if (Object.hasOwn(message, 'id') && typeof message.id !== 'string' && !(typeof message.id === 'number' && Number.isInteger(message.id))) {
    throw malformed('"id" must be a string or an integer');
  }
  // The id the span reports as `jsonrpc.request.id` (validated above: a string or an integer).
  const id = Object.hasOwn(message, 'id') ? { jsonrpcId: String(message.id) } : {};
  // A response (no method) mirrors nothing: SEP-2243 requires the headers of requests and notifications.
  if (!Object.hasOwn(message, 'method')) {
    checkAgainstBody(mirrored, undefined, {});
    return { ...response(entry, message), ...id };
  }
  if (mirrored.required) requireMirroredHeaders(mirrored, request.headers.get('mcp-protocol-version') ?? MIRRORED_HEADERS_SINCE);

  const method = message.method;
  if (typeof method !== 'string' || method === '') throw malformed('"method" must be a non-empty string');
  const params = Object.hasOwn(message, 'params') ? message.params : {};
  if (!isObject(params)) throw malformed('"params" must be an object');
  checkAgainstBody(mirrored, method, params);
  if (method !== 'tools/call') return { name: `${MCP_METHOD_PREFIX}${method}`, entry: entry.name, params, ...id };

  const name = params.name;
  if (typeof name !== 'string' || name === '') throw malformed('tools/call needs "params.name", a non-empty string');
  checkToolName(name, limits);
  const args = Object.hasOwn(params, 'arguments') ? params.arguments : {};
  if (!isObject(args)) throw malformed('tools/call "params.arguments" must be an object');
  // Params have no prototype, like HTTP ones: `__proto__` and `constructor` are just params.
  return { name: `${MCP_TOOL_PREFIX}${name}`, entry: entry.name, params: Object.assign(Object.create(null) as Record<string, unknown>, args), ...id };
}

/** A POST judged from its mirrored headers alone: the target is known, the arguments are not. */
function fromHeaders(entry: CompiledTool, mirrored: McpHeaders, limits: ToolNameRule): ToolCall {
  const { method, name } = requireMirroredHeaders(mirrored, `${MIRRORED_HEADERS_SINCE} or later`);
  if (method === 'tools/call') {
    checkToolName(name ?? '', limits);
    return { name: `${MCP_TOOL_PREFIX}${name ?? ''}`, entry: entry.name, params: {} };
  }
  // The mirrored target is the param a body would have exposed (resources/read → uri).
  const params = Object.create(null) as Record<string, unknown>;
  if (method === 'resources/read') params.uri = name;
  if (method === 'prompts/get') params.name = name;
  return { name: `${MCP_METHOD_PREFIX}${method}`, entry: entry.name, params };
}

/** A message without `method` can only be a response: `id` plus exactly one of result / error. */
function response(entry: CompiledTool, message: Record<string, unknown>): ToolCall {
  const ok = Object.hasOwn(message, 'id') && Object.hasOwn(message, 'result') !== Object.hasOwn(message, 'error');
  if (!ok) throw malformed('a JSON-RPC message needs a "method" (request, notification) or an "id" with "result" or "error"');
  return { name: MCP_RESPONSE, entry: entry.name, params: {} };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(reason: string): DutygateError {
  return DutygateError.expected('MCP_MALFORMED', reason);
}
