import { DutygateError } from '../errors.js';

/**
 * Which replay keyspace a spent token id lives in. Agent-token ids are only unique per issuer
 * (RFC 7519 §4.1.7), so each issuer has its own space; override tokens, which dutygate mints,
 * have a space of their own that no agent-chosen `jti` can reach.
 */
export type ReplaySpace = { readonly purpose: 'agent'; readonly issuer: string } | { readonly purpose: 'override' };

/**
 * One attacker-influenced string (a jti, an issuer, an agent id, a step name) as a part of a
 * state key or ledger member. `encodeURIComponent` escapes `{`, `}`, `:` and `%` among others,
 * so an encoded part can neither form a Redis Cluster hash tag (which would let the attacker
 * choose the slot) nor be confused with the `:` separators around it; and its output is
 * ASCII, so Lua scripts only ever see and compare ASCII bytes.
 *
 * @throws DutygateError STATE_UNAVAILABLE for ill-formed UTF-16 (an unpaired surrogate): it has
 *   no UTF-8 form, and Node would silently turn it into U+FFFD, merging distinct strings.
 */
export function encodeKeyPart(part: string): string {
  try {
    return encodeURIComponent(part);
  } catch (error) {
    throw new DutygateError('STATE_UNAVAILABLE', 'a value bound for the state store is not well-formed Unicode', { cause: error });
  }
}

/** The inverse of {@link encodeKeyPart}. */
export function decodeKeyPart(encoded: string): string {
  return decodeURIComponent(encoded);
}

/** The replay key of `jti` within `space`: `a:<issuer>:<jti>` or `o:<jti>`, each part encoded. */
export function replayKeyOf(space: ReplaySpace, jti: string): string {
  return space.purpose === 'agent' ? `a:${encodeKeyPart(space.issuer)}:${encodeKeyPart(jti)}` : `o:${encodeKeyPart(jti)}`;
}
