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
 *
 * A param is `_method` when the upstream would read it so, not when its raw text says so: keys
 * are percent- and `+`-decoded (`%5Fmethod`), case-folded, split on `;` as well as `&` (Rack's
 * historical separator), and mangled as PHP mangles them (`.method`, `_method[]`, `_method[]x`,
 * a name cut at a NUL); multipart
 * form fields count by their Content-Disposition name (also RFC 2231 `name*=`). A query
 * override spelled any other way than plainly cannot be stripped (the proxy removes raw keys),
 * so it is denied in either mode. A form body the proxy truncated may hide a `_method` past the
 * cut: it is denied (BODY_TOO_LARGE), as a truncated JSON body is. A body without a Content-Type
 * is judged as a urlencoded form (Rack reads an untyped POST body as one), and a body whose
 * Content-Type is repeated is judged under every type listed. A JSON object body with a top-level
 * `_method` member (in any case, in any escaping) is refused too: Laravel reads its method
 * override from the JSON input, and Express' method-override is often pointed at `req.body` —
 * the body is judged as JSON when it starts like an object, whatever its type. Of a truncated one
 * only the part the gate saw is judged: a cut JSON body is the mapping's to refuse for an HTTP tool
 * (BODY_TOO_LARGE), and an MCP call with a cut body is judged from its headers by design.
 */
import { DutygateError } from '../errors.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { HttpRequest } from '../request/http-request.js';
import { startsLikeJsonObject } from '../request/json-object-body.js';

/** Headers and query params the ok_response removes. */
export interface RequestStrip {
  readonly headers: readonly string[];
  readonly query: readonly string[];
}

const OVERRIDE_HEADERS: readonly string[] = ['x-http-method-override', 'x-http-method', 'x-method-override'];
const OVERRIDE_PARAM = '_method';
const GATE_PREFIX = 'x-dutygate-';
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;
const MULTIPART_TYPE = /^multipart\/form-data\s*(?:;|$)/i;
/**
 * Every JSON spelling of a `_method` key, in any case: each character literal or as a `\u00XX`
 * escape. A body without one is not parsed a second time here.
 */
const JSON_OVERRIDE_HINT = /(?:_|\\u005f)(?:m|\\u00[46]d)(?:e|\\u00[46]5)(?:t|\\u00[57]4)(?:h|\\u00[46]8)(?:o|\\u00[46]f)(?:d|\\u00[46]4)/i;

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
  judgeFormBody(request);
  judgeJsonBody(request);
  // The common call carries no override channel: answered without allocating anything.
  if (!OVERRIDE_HEADERS.some((name) => request.headers.has(name)) && !mayHoldOverride(request.query)) return owned;
  const overrideHeaders = OVERRIDE_HEADERS.filter((name) => request.headers.has(name));
  const query = overrideKeys(request.query);
  if (overrideHeaders.length === 0 && query.plain.length === 0 && query.hidden.length === 0) return owned;
  if (mode === 'deny' || query.hidden.length > 0) {
    const what = [...overrideHeaders, ...[...query.plain, ...query.hidden].map((key) => `${key} (query)`)].join(', ');
    const unstrippable = mode === 'strip' ? ' (a query override spelled other than plainly cannot be stripped)' : '';
    throw DutygateError.expected('METHOD_OVERRIDE', `method-override channels are refused (${what})${unstrippable}: send the real method`);
  }
  return { headers: [...owned.headers, ...overrideHeaders], query: query.plain };
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

/**
 * Whether `text` (a query or a form body) may name `_method` in any spelling an upstream decodes:
 * every spelling holds the letters "method" or a percent escape.
 */
function mayHoldOverride(text: string): boolean {
  return text !== '' && (text.includes('%') || text.toLowerCase().includes('method'));
}

/**
 * The keys of `text` (`a=1&b=2` form encoding) that an upstream reads as `_method`: `plain` ones
 * spelled exactly so (in any case, between `&`s: the proxy can remove them), `hidden` ones any
 * other way (encoded, mangled, or after a `;`).
 */
function overrideKeys(text: string): { plain: string[]; hidden: string[] } {
  const plain = new Set<string>();
  const hidden = new Set<string>();
  if (!mayHoldOverride(text)) return { plain: [], hidden: [] };
  for (const pair of text.split('&')) {
    const parts = pair.split(';');
    for (let index = 0; index < parts.length; index++) {
      const part = parts[index] as string;
      const equals = part.indexOf('=');
      const raw = equals < 0 ? part : part.slice(0, equals);
      if (!readsAsOverride(decodeFormComponent(raw))) continue;
      if (parts.length === 1 && raw.toLowerCase() === OVERRIDE_PARAM) plain.add(raw);
      else hidden.add(raw);
    }
  }
  return { plain: [...plain], hidden: [...hidden] };
}

function namesOverride(keys: { plain: readonly string[]; hidden: readonly string[] }): boolean {
  return keys.plain.length > 0 || keys.hidden.length > 0;
}

/** `+` as space and percent escapes decoded, as form parsers do; a malformed escape stays as it is. */
function decodeFormComponent(raw: string): string {
  const text = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-9a-f]{2})/gi, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  }
}

/**
 * Whether a decoded param name reads as `_method`: in any case (some frameworks fold it), as an
 * array (`_method[]`), or after PHP's name mangling (leading spaces dropped; space, `.` and `[`
 * become `_`).
 */
function readsAsOverride(name: string): boolean {
  // PHP reads a name as a C string (it ends at a NUL), and a `[…]` pair makes an array of what
  // precedes it, whatever follows the `]`.
  const nul = name.indexOf('\0');
  let key = (nul < 0 ? name : name.slice(0, nul)).replace(/^ +/, '').toLowerCase();
  const bracket = key.indexOf('[');
  if (bracket > 0 && key.indexOf(']', bracket) > 0) key = key.slice(0, bracket);
  return key.replace(/[ .[]/g, '_') === OVERRIDE_PARAM;
}

/**
 * Refuses a JSON object body with a top-level member that reads as `_method` (it cannot be
 * stripped either); of a body the proxy cut, one that spells `_method` anywhere in what is left.
 * A body that is not JSON to `JSON.parse` is not judged further: an upstream cannot read a member
 * from it either, and the mapping refuses it for a mapped tool (BODY_MALFORMED).
 */
function judgeJsonBody(request: HttpRequest): void {
  const body = request.body;
  if (body === undefined || !startsLikeJsonObject(body)) return;
  if (!JSON_OVERRIDE_HINT.test(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1'))) return;
  // A cut body cannot be parsed, and the spelling may well be its member: refused unread.
  if (request.bodyTruncated) {
    throw DutygateError.expected('METHOD_OVERRIDE', 'a truncated JSON body spells _method: it may carry a method override');
  }
  let value: unknown;
  try {
    value = JSON.parse(JSON_TEXT.decode(body));
  } catch {
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  if (Object.keys(value).some((key) => key.toLowerCase() === OVERRIDE_PARAM)) {
    throw DutygateError.expected('METHOD_OVERRIDE', 'a JSON body carrying a top-level _method would change the method the upstream runs');
  }
}

// Not fatal: a reader that replaces invalid UTF-8 still finds the member (over-refusing is safe).
const JSON_TEXT = new TextDecoder('utf-8');

/** Refuses a form body that names `_method` (it cannot be stripped), or that was cut before the gate could read all of it. */
function judgeFormBody(request: HttpRequest): void {
  const type = request.headers.get('content-type');
  // No Content-Type at all is read as a form too: Rack parses an untyped POST body as one. A
  // repeated Content-Type arrives joined with commas, and upstreams differ on which one they
  // read (Rack and Go the first, others the last): the body is judged under each listed type.
  const types = type === undefined ? [] : type.split(',');
  const urlencoded = type === undefined || types.some((listed) => FORM_TYPE.test(listed.trim()));
  const multipart = types.some((listed) => MULTIPART_TYPE.test(listed.trim()));
  if (!urlencoded && !multipart) return;
  if (request.bodyTruncated) {
    throw DutygateError.expected('BODY_TOO_LARGE', 'the form body was truncated by the proxy (larger than its max_request_bytes): a _method past the cut would go unseen');
  }
  const body = request.body;
  if (body === undefined || body.byteLength === 0) return;
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  if (!mayHoldOverride(text)) return;
  if ((urlencoded && namesOverride(overrideKeys(text))) || (multipart && multipartNames(text).some(readsAsOverride))) {
    throw DutygateError.expected('METHOD_OVERRIDE', 'a form body carrying _method would change the method the upstream runs');
  }
}

const CONTENT_DISPOSITION = /^content-disposition[ \t]*:([^\r\n]*)/gim;
// Obsolete header folding (a line break then whitespace continues the header), which lenient parsers unfold.
const FOLDED_LINE = /\r?\n[ \t]+/g;
const NAME_PARAM = /(?:^|;)\s*name(\*?)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/gi;

/** The field names of a multipart body's parts (their Content-Disposition `name`, RFC 2231 `name*` decoded). */
function multipartNames(text: string): string[] {
  const names: string[] = [];
  for (const header of text.replace(FOLDED_LINE, ' ').matchAll(CONTENT_DISPOSITION)) {
    for (const param of (header[1] ?? '').matchAll(NAME_PARAM)) {
      const value = param[2] ?? param[3] ?? '';
      // name*=charset'language'percent-encoded (RFC 2231 / 5987).
      names.push(param[1] === '*' ? decodeFormComponent(value.slice(value.lastIndexOf("'") + 1)) : value.replace(/\\(.)/g, '$1'));
    }
  }
  return names;
}
