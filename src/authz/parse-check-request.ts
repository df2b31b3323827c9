import { DutygateError } from '../errors.js';
import type { LimitsConfig } from '../config/types.js';
import type { HttpRequest } from '../request/http-request.js';
import type { WireCheckRequest, WireHttpRequest } from './wire-types.js';

/** The result of {@link parseCheckRequest}: a request, or the deny-worthy reason it is not one. */
export type ParseCheckRequestResult =
  | { readonly ok: true; readonly request: HttpRequest }
  | { readonly ok: false; readonly error: DutygateError };

/** The bounds the parser enforces. */
export type ParseLimits = Pick<LimitsConfig, 'maxHeaderBytes' | 'maxBodyBytes'>;

const NO_EXTENSIONS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Turns a decoded Envoy `CheckRequest` into dutygate's neutral {@link HttpRequest}.
 *
 * Pure and total: every problem is returned as a value (`REQUEST_MALFORMED`,
 * `HEADERS_TOO_LARGE`, `BODY_TOO_LARGE`), nothing is thrown. Runs once per Check, so it makes one
 * pass over the headers, stops at the first bound crossed, and copies the body only when Envoy
 * sent it as a string.
 */
export function parseCheckRequest(message: WireCheckRequest, limits: ParseLimits): ParseCheckRequestResult {
  const attributes = message.attributes;
  const http = attributes?.request?.http;
  if (!http) return fail('REQUEST_MALFORMED', 'the CheckRequest carries no attributes.request.http');

  const headers = collectHeaders(http, limits.maxHeaderBytes);
  if (headers instanceof DutygateError) return { ok: false, error: headers };

  const method = (http.method || headers.get(':method') || '').toUpperCase();
  if (method === '') return fail('REQUEST_MALFORMED', 'the request has no method');

  const host = normalizeHost(http.host || headers.get(':authority') || headers.get('host') || '');
  if (host === undefined) return fail('REQUEST_MALFORMED', 'the request has no valid host or :authority');

  // Envoy sends the whole request target in `path` and leaves `query` and `fragment` empty
  // (attribute_context.proto). A fragment is never on the wire, but drop one if present.
  let target = http.path || headers.get(':path') || '';
  // The request target is a header too (`:path`), and every string a policy condition sees
  // (path captures, query params) must be bounded.
  if (Buffer.byteLength(target) > limits.maxHeaderBytes) return { ok: false, error: headersTooLarge(limits.maxHeaderBytes) };
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const mark = target.indexOf('?');
  const path = mark < 0 ? target : target.slice(0, mark);
  const query = mark < 0 ? (http.query ?? '') : target.slice(mark + 1);
  // Only origin-form targets name a tool; `*` (OPTIONS) and authority-form (CONNECT) do not.
  if (path.charCodeAt(0) !== 0x2f) return fail('REQUEST_MALFORMED', 'the request path does not start with "/"');

  const body = collectBody(http, limits.maxBodyBytes);
  if (body instanceof DutygateError) return { ok: false, error: body };

  const partial = headers.get('x-envoy-auth-partial-body');
  return {
    ok: true,
    request: {
      method,
      host,
      path,
      query,
      headers,
      body,
      // Envoy adds this header when with_request_body cut the body at max_request_bytes
      // (allow_partial_message). Any `true` element counts, so a client-sent `false` cannot mask it.
      bodyTruncated: partial !== undefined && PARTIAL_TRUE.test(partial),
      contextExtensions: attributes.context_extensions ?? NO_EXTENSIONS,
    },
  };
}

const PARTIAL_TRUE = /(?:^|,)\s*true\s*(?:,|$)/i;

function fail(code: 'REQUEST_MALFORMED', reason: string): ParseCheckRequestResult {
  return { ok: false, error: DutygateError.expected(code, reason) };
}

/**
 * Reads `header_map` (Envoy's `encode_raw_headers: true`: one entry per header line, bytes in
 * `raw_value`, repeats not merged) or else the `headers` map (already lower-cased and merged).
 * Repeated names are joined with `,` (RFC 9110 §5.3). Counts name + value bytes as it goes.
 */
function collectHeaders(http: WireHttpRequest, maxBytes: number): Map<string, string> | DutygateError {
  const headers = new Map<string, string>();
  let total = 0;
  const entries = http.header_map?.headers;
  if (entries !== undefined && entries.length > 0) {
    for (const entry of entries) {
      const name = entry.key?.toLowerCase();
      if (!name) continue;
      const raw = entry.raw_value;
      const useRaw = raw !== undefined && raw.length > 0;
      total += name.length + (useRaw ? raw.length : Buffer.byteLength(entry.value ?? ''));
      // Checked before decoding, so an oversized value is never turned into a string.
      if (total > maxBytes) return headersTooLarge(maxBytes);
      const value = useRaw ? utf8(raw) : (entry.value ?? '');
      const previous = headers.get(name);
      headers.set(name, previous === undefined ? value : `${previous},${value}`);
    }
    return headers;
  }
  const map = http.headers;
  if (map === undefined) return headers;
  for (const key of Object.keys(map)) {
    const value = map[key] ?? '';
    total += key.length + Buffer.byteLength(value);
    if (total > maxBytes) return headersTooLarge(maxBytes);
    const name = key.toLowerCase();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  return headers;
}

function headersTooLarge(maxBytes: number): DutygateError {
  return DutygateError.expected('HEADERS_TOO_LARGE', `the request headers exceed ${maxBytes} bytes`);
}

/** `raw_body` (Envoy `pack_as_bytes: true`) as received; `body` (a string) encoded as UTF-8. */
function collectBody(http: WireHttpRequest, maxBytes: number): Uint8Array | undefined | DutygateError {
  const raw = http.raw_body;
  if (raw !== undefined && raw.length > 0) {
    return raw.length > maxBytes ? bodyTooLarge(raw.length, maxBytes) : raw;
  }
  const text = http.body;
  if (!text) return undefined;
  // A UTF-16 unit is at least one UTF-8 byte, so this rejects huge bodies before copying them.
  if (text.length > maxBytes) return bodyTooLarge(Buffer.byteLength(text), maxBytes);
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length > maxBytes ? bodyTooLarge(bytes.length, maxBytes) : bytes;
}

function bodyTooLarge(size: number, maxBytes: number): DutygateError {
  return DutygateError.expected('BODY_TOO_LARGE', `the request body is ${size} bytes; the bound is ${maxBytes}`);
}

/**
 * UTF-8, like the `headers` map form (where Envoy itself turns the bytes into a proto string),
 * so both encodings give the same value for the same header.
 */
function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * Lower-cases an authority and removes `:port`; keeps IPv6 literals bracketed (`[::1]`).
 * Returns undefined for an empty or unparsable authority.
 */
export function normalizeHost(authority: string): string | undefined {
  const host = authority.toLowerCase();
  if (host.charCodeAt(0) === 0x5b /* [ */) {
    const close = host.indexOf(']');
    if (close < 2) return undefined;
    const rest = host.length - close - 1;
    if (rest === 0) return host;
    return host.charCodeAt(close + 1) === 0x3a && isPort(host, close + 2) ? host.slice(0, close + 1) : undefined;
  }
  const colon = host.indexOf(':');
  if (colon < 0) return host === '' ? undefined : host;
  // A second colon means an unbracketed IPv6 literal, which is not a valid authority (RFC 3986 §3.2.2).
  if (colon === 0 || host.indexOf(':', colon + 1) >= 0 || !isPort(host, colon + 1)) return undefined;
  return host.slice(0, colon);
}

/** Digits only from `start` to the end (an empty port is allowed by RFC 3986 §3.2.3). */
function isPort(text: string, start: number): boolean {
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
