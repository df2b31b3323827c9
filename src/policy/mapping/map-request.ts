import { DutygateError } from '../../errors.js';
import type { CompiledPolicy, CompiledTool } from '../compiled.js';
import type { ToolCall } from '../types.js';
import type { HttpRequest } from '../../request/http-request.js';
import { startsLikeJsonObject } from '../../request/json-object-body.js';
import { checkDeclaredParams } from '../declared-params.js';
import { foldKey } from './case-fold.js';
import { mapMcp } from './map-mcp.js';
import { parseStrictJson, type JsonLimits } from './parse-json.js';
import type { ToolNameRule } from './tool-name.js';
import { matchPathTemplate, splitRequestPath } from './path-template.js';

/** The request limits mapping honours: JSON size and depth, the MCP tool-name rule. */
export type MappingLimits = JsonLimits & ToolNameRule;

/**
 * Maps a request to the tool call the policy judges (docs/design.md §3). The first `tools:` entry, in
 * policy order, whose method (case-insensitive), host (exact) and path (exact or template)
 * match wins.
 *
 * Returns undefined when no entry matches: the caller applies the policy default (`NO_TOOL`,
 * see `decideUnmapped`). Throws a `DutygateError` (BODY_*, MCP_*) for a body that cannot be
 * judged; it throws nothing else, whatever the bytes.
 *
 * HTTP params are the path captures, the query (a repeated key becomes an array of strings) and
 * the top-level members of a JSON object body (parsed when the content type is JSON or the body
 * starts with `{`). A param given by two sources with different values is refused
 * (BODY_DUPLICATE_KEY): the policy would judge one value while the upstream may act on the other
 * — `{"payment_id": "p2"}` posted to `/payments/p1/approve` must not get p2's SoD check. Two
 * sources naming keys equal under case folding (`payment_id` in the path, `Payment_ID` in the
 * body) are BODY_KEY_COLLISION: a case-insensitive upstream binds both to one field.
 */
export function mapRequest(policy: CompiledPolicy, request: HttpRequest, limits: MappingLimits): ToolCall | undefined {
  const method = request.method.toUpperCase();
  const host = normaliseHost(request.host);
  let segments: readonly string[] | undefined;
  for (const entry of policy.toolsByMethod.get(method) ?? policy.toolsAnyMethod) {
    if (entry.host !== undefined && entry.host !== host) continue;
    segments ??= splitRequestPath(request.path);
    const captures = matchPathTemplate(entry.path, segments);
    if (!captures) continue;
    if (entry.protocol === 'mcp') return mapMcp(entry, request, limits);
    const params = httpParams(entry, captures, request, limits);
    if (entry.declaredParams) checkDeclaredParams(entry.declaredParams, params, entry.name);
    return { name: entry.name, entry: entry.name, params };
  }
  return undefined;
}

/** `Host` is case-insensitive and may carry a trailing root dot (`payments.internal.`). */
function normaliseHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function httpParams(entry: CompiledTool, captures: Record<string, string>, request: HttpRequest, limits: JsonLimits): Record<string, unknown> {
  // No prototype: a param named `__proto__` or `constructor` is just a param.
  const params = captures;
  if (request.query !== '') {
    const query = Object.create(null) as Record<string, string | string[]>;
    for (const [key, value] of new URLSearchParams(request.query)) {
      const seen = query[key];
      query[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    merge(params, query, 'query', entry);
  }
  const body = jsonBody(request, limits);
  if (body !== undefined) merge(params, body, 'body', entry);
  return params;
}

function merge(params: Record<string, unknown>, source: Record<string, unknown>, from: string, entry: CompiledTool): void {
  const folded = new Map<string, string>();
  for (const key of Object.keys(params)) folded.set(foldKey(key), key);
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (Object.hasOwn(params, key) && !sameValue(params[key], value)) {
      throw DutygateError.expected('BODY_DUPLICATE_KEY', `param '${key}' of ${entry.name} is given twice with different values (again in the ${from})`);
    }
    const fold = foldKey(key);
    const twin = folded.get(fold);
    if (twin !== undefined && twin !== key) {
      throw DutygateError.expected('BODY_KEY_COLLISION', `params '${twin}' and '${key}' (in the ${from}) of ${entry.name} are equal under case folding`);
    }
    folded.set(fold, key);
    params[key] = value;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => item === b[i]);
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** The body's top-level object, undefined when there is none to read; throws when it cannot be read. */
function jsonBody(request: HttpRequest, limits: JsonLimits): Record<string, unknown> | undefined {
  const bytes = request.body;
  const json = JSON_TYPE.test(request.headers.get('content-type') ?? '') || startsLikeJsonObject(bytes);
  if (!json) return undefined;
  // A cut body may hide a member (a second `amount`) past the cut: judge nothing from it.
  if (request.bodyTruncated) throw DutygateError.expected('BODY_TOO_LARGE', 'the request body was truncated by the proxy (larger than its max_request_bytes)');
  if (bytes === undefined || bytes.byteLength === 0) return undefined;
  const parsed = parseStrictJson(bytes, limits);
  if (!parsed.ok) throw DutygateError.expected(parsed.code, parsed.reason);
  const value = parsed.value;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
