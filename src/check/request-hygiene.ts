/**
 * What the upstream must not receive from the agent (issue 13, item 4): the gate's own header
 * namespace, headers a rule may set, and method-override channels.
 *
 * - Every client-sent `x-dutygate-*` header is removed: only the gate speaks in that namespace
 *   (an agent-sent `x-dutygate-approval-id` must not look like the gate's).
 * - Every header that any rule's `sanitize.set_headers` may set is removed unless this very
 *   decision sets it: an agent must not send `x-reviewed-by: dutygate` to a tool where no rule
 *   vouched for it.
 * - `X-HTTP-Method-Override`, `X-HTTP-Method`, `X-Method-Override` and a `_method` query or
 *   form-body param make many frameworks (Rails, Laravel, Express method-override, ASP.NET) run
 *   another method than the one the gate judged: a POST it allowed becomes a DELETE. They are
 *   denied (METHOD_OVERRIDE, default) or, with `limits.method_override: strip`, removed — except
 *   a form-body `_method`, which cannot be removed and is always denied.
 */
import { DutygateError } from '../errors.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { HttpRequest } from '../request/http-request.js';

/** Headers and query params the ok_response removes. */
export interface RequestStrip {
  readonly headers: readonly string[];
  readonly query: readonly string[];
}

const OVERRIDE_HEADERS: readonly string[] = ['x-http-method-override', 'x-http-method', 'x-method-override'];
const OVERRIDE_PARAM = '_method';
const GATE_PREFIX = 'x-dutygate-';
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;

const ruleHeaders = new WeakMap<CompiledPolicy, RequestStrip>();

/**
 * Lists what the upstream must not receive from the agent: its `x-dutygate-*` headers and every
 * header a rule may set. Never throws: this is the gate's own header contract, not a policy
 * decision, so it holds for every let-through call — also a shadow-mode would-block whose
 * method override (below) was refused.
 */
export function gateOwnedHeaders(policy: CompiledPolicy, request: HttpRequest): RequestStrip {
  const byRules = setByRules(policy);
  let sent: string[] | undefined;
  for (const name of request.headers.keys()) if (name.startsWith(GATE_PREFIX)) (sent ??= []).push(name);
  // The common call sends none of the gate's headers: the policy's list, built once, serves it.
  return sent === undefined ? byRules : { headers: [...sent, ...byRules.headers], query: [] };
}

/**
 * Judges the request's method-override channels: with `mode: strip`, `owned` plus the channels
 * to remove; with `mode: deny`, `owned` unchanged when there are none.
 *
 * @throws DutygateError METHOD_OVERRIDE when a channel is present and `mode` is `deny` (or the
 *   channel cannot be stripped).
 */
export function judgeMethodOverride(request: HttpRequest, mode: 'deny' | 'strip', owned: RequestStrip): RequestStrip {
  if (formBodyOverride(request)) {
    throw DutygateError.expected('METHOD_OVERRIDE', 'a form body carrying _method would change the method the upstream runs');
  }
  // The common call carries no override channel: answered without allocating anything.
  if (!OVERRIDE_HEADERS.some((name) => request.headers.has(name)) && !mayOverrideInQuery(request.query)) return owned;
  const overrideHeaders = OVERRIDE_HEADERS.filter((name) => request.headers.has(name));
  const overrideQuery = queryOverrides(request.query);
  if (overrideHeaders.length === 0 && overrideQuery.length === 0) return owned;
  if (mode === 'deny') {
    const what = [...overrideHeaders, ...overrideQuery.map((key) => `${key} (query)`)].join(', ');
    throw DutygateError.expected('METHOD_OVERRIDE', `method-override channels are refused (${what}): send the real method`);
  }
  return { headers: [...owned.headers, ...overrideHeaders], query: overrideQuery };
}

/** Every header some rule may set (lower-case), as a strip list, computed once per policy. */
function setByRules(policy: CompiledPolicy): RequestStrip {
  let strip = ruleHeaders.get(policy);
  if (strip === undefined) {
    const set = new Set<string>();
    for (const rule of policy.rules) for (const name of Object.keys(rule.changes?.setHeaders ?? {})) set.add(name.toLowerCase());
    strip = Object.freeze({ headers: Object.freeze([...set]), query: Object.freeze([]) });
    ruleHeaders.set(policy, strip);
  }
  return strip;
}

/** Whether the query may hold `_method` in any case (no `_` at all: it cannot). */
function mayOverrideInQuery(query: string): boolean {
  return query !== '' && query.includes('_') && query.toLowerCase().includes(OVERRIDE_PARAM);
}

/** Query keys that are `_method` (any case: some frameworks fold it). */
function queryOverrides(query: string): string[] {
  if (!mayOverrideInQuery(query)) return [];
  const keys = new Set<string>();
  for (const key of new URLSearchParams(query).keys()) if (key.toLowerCase() === OVERRIDE_PARAM) keys.add(key);
  return [...keys];
}

function formBodyOverride(request: HttpRequest): boolean {
  const body = request.body;
  if (body === undefined || body.byteLength === 0 || !FORM_TYPE.test(request.headers.get('content-type') ?? '')) return false;
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  if (!text.toLowerCase().includes(OVERRIDE_PARAM)) return false;
  for (const key of new URLSearchParams(text).keys()) if (key.toLowerCase() === OVERRIDE_PARAM) return true;
  return false;
}
