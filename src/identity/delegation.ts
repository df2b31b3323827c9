/**
 * What makes a delegation attestation (a link of `x-agent-chain`) a different kind of token from
 * a credential, by construction (issue 19): its own JWT type (RFC 8725 §3.11 explicit typing),
 * its own audience, and a claim naming the one agent it delegates to. A credential check refuses
 * either mark, a link check requires both, so a parent's link cannot act as the parent's
 * credential, and a parent's credential cannot act as a link.
 */
import type { JWTPayload } from 'jose';

/** The `typ` header of a delegation attestation. */
export const DELEGATION_TYPE = 'dutygate-delegation+jwt';
/** The `aud` of a delegation attestation; never a gate's credential audience. */
export const DELEGATION_AUDIENCE = 'dutygate:delegation';
/** The claim naming the agent the attestation delegates to (the next link, or the calling agent). */
export const DELEGATEE_CLAIM = 'delegatee_agent_id';
/**
 * The claim naming the delegatee's issuer (its `iss`) when that is not the attestation's own
 * issuer: issuers are namespaces (docs/design.md §2), so a bare `delegatee_agent_id` names an
 * agent of the attesting issuer, and another issuer's agent of that id cannot use the link.
 */
export const DELEGATEE_ISSUER_CLAIM = 'delegatee_iss';

/**
 * True when a `typ` header value names a delegation attestation. RFC 7515 §4.1.9: media type
 * names compare case-insensitively and may omit the `application/` prefix.
 */
export function isDelegationType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const type = typ.toLowerCase();
  return type === DELEGATION_TYPE || type === `application/${DELEGATION_TYPE}`;
}

/** True when an `aud` claim names the delegation audience (alone or among others). */
export function hasDelegationAudience(payload: JWTPayload): boolean {
  const aud = payload.aud;
  return aud === DELEGATION_AUDIENCE || (Array.isArray(aud) && aud.includes(DELEGATION_AUDIENCE));
}
