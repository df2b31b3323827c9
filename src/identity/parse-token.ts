/**
 * Cheap, pre-signature inspection of a compact JWS: size bound, shape, and the protected header's
 * `alg`. Runs before any key lookup so that hostile input (huge, `alg: none`, HMAC) is refused
 * without touching keys or the network.
 */
import { Buffer } from 'node:buffer';
import { ALLOWED_ALGORITHMS } from '../config/defaults.js';
import { DutygateError } from '../errors.js';

/**
 * Every JWS algorithm dutygate can ever accept: asymmetric signatures only (RFC 7518 §3.3–3.5,
 * RFC 8037). `none` and HS* are never on this list, whatever the configuration says, because an
 * HMAC "verified" with a public key is the classic key-confusion forgery.
 */
export const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set([...ALLOWED_ALGORITHMS, 'Ed25519']);

// Three base64url segments (RFC 7515 §7.1). The signature may be empty so that an unsigned
// `alg: none` token reaches the alg check and gets the precise TOKEN_ALG code.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The parts of a compact JWS read before verification. Nothing here is trusted. */
export interface UnverifiedToken {
  /** The protected header's `alg`, already known to be on {@link ASYMMETRIC_ALGORITHMS}. */
  readonly alg: string;
  /** The base64url payload segment, for reading the unverified `iss` when several issuers exist. */
  readonly payloadSegment: string;
  /**
   * The protected header's `typ`, if any. Read before the signature check, but the header is
   * signed: a token whose `typ` was changed does not verify afterwards.
   */
  readonly typ?: string;
  /** The decoded protected header (unverified), handed on so that it is decoded once per token. */
  readonly header: Readonly<Record<string, unknown>>;
}

/**
 * Bounds, shape-checks and reads the protected header of `token`.
 *
 * @throws DutygateError `TOKEN_MALFORMED` (size, shape, header) or `TOKEN_ALG`.
 */
export function parseUnverified(token: string, maxTokenBytes: number): UnverifiedToken {
  // UTF-16 length never exceeds the UTF-8 byte length, and any non-ASCII character fails the
  // shape check below, so comparing `length` is an exact byte bound for every accepted token.
  if (token.length > maxTokenBytes) {
    throw DutygateError.expected('TOKEN_MALFORMED', `the token is longer than the ${maxTokenBytes}-byte limit`);
  }
  if (!COMPACT_JWS.test(token)) {
    throw DutygateError.expected(
      'TOKEN_MALFORMED',
      'the token is not a compact JWS (three base64url segments separated by dots)',
    );
  }
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  const header = decodeJsonSegment(token.slice(0, firstDot));
  if (header === undefined) {
    throw DutygateError.expected('TOKEN_MALFORMED', 'the token header is not a base64url-encoded JSON object');
  }
  const alg = header['alg'];
  if (typeof alg !== 'string' || alg === '') {
    throw DutygateError.expected('TOKEN_MALFORMED', 'the token header has no `alg`');
  }
  if (!ASYMMETRIC_ALGORITHMS.has(alg)) {
    throw DutygateError.expected('TOKEN_ALG', refusedAlgReason(alg));
  }
  const typ = header['typ'];
  if (typ !== undefined && typeof typ !== 'string') throw DutygateError.expected('TOKEN_MALFORMED', 'the token header `typ` is not a string');
  return typ === undefined ? { alg, payloadSegment: token.slice(firstDot + 1, secondDot), header } : { alg, payloadSegment: token.slice(firstDot + 1, secondDot), typ, header };
}

/**
 * Decodes an unverified payload segment, to read `iss` (which issuer's keys to try) and to hand
 * on to the signature check, so that the payload is decoded once per token. Nothing in it is
 * trusted until the signature over this very segment has verified.
 *
 * @throws DutygateError `TOKEN_MALFORMED` when the payload is not a JSON object.
 */
export function decodeUnverifiedPayload(payloadSegment: string): Record<string, unknown> {
  const payload = decodeJsonSegment(payloadSegment);
  if (payload === undefined) {
    throw DutygateError.expected('TOKEN_MALFORMED', 'the token payload is not a base64url-encoded JSON object');
  }
  return payload;
}

/**
 * Quotes an untrusted value for a reason sentence: JSON-escaped (no control characters reach a
 * log line) and truncated, so an attacker cannot make the reason arbitrarily long.
 */
export function quote(value: string, max = 64): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

function refusedAlgReason(alg: string): string {
  if (alg.toLowerCase() === 'none') return 'unsigned tokens (`alg: none`) are always refused';
  if (alg.startsWith('HS')) return `HMAC algorithm ${quote(alg)} is always refused`;
  return `algorithm ${quote(alg)} is not supported`;
}

function decodeJsonSegment(segment: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
