/**
 * Turns a verified JWT payload into dutygate's typed claims. Signature and time checks have
 * already passed; this enforces the claim types docs/design.md §2 requires, and that every identifier
 * is well-formed (issue 13): bounded, printable, no control or bidi characters, no unpaired
 * surrogates. A signature proves who issued a claim, not that it is safe: a signed
 * `agent_id: "reader-1\u0000admin"` matched `reader-*` and broke the `x-agent-id` header, and a
 * lone surrogate poisoned Redis ledger keys (issue 19, item 2).
 */
import type { JWTPayload } from 'jose';
import { DutygateError } from '../errors.js';
import { identifierError } from '../lib/text.js';
import { DELEGATEE_CLAIM, DELEGATEE_ISSUER_CLAIM } from './delegation.js';
import type { IssuedClaims } from './types.js';

/** Default of `limits.max_identifier_length`: longest accepted id-like claim. */
export const DEFAULT_MAX_IDENTIFIER_LENGTH = 128;

/**
 * Claims of a verified token that names a principal rather than an agent (approver tokens):
 * `sub` is required, `jti` optional.
 */
export interface PrincipalClaims {
  readonly iss: string;
  readonly sub: string;
  readonly jti?: string;
  /** Seconds since the epoch. */
  readonly iat: number;
  /** Seconds since the epoch. */
  readonly exp: number;
  readonly nbf?: number;
}

/**
 * Reads an agent token's claims: `agent_id` and `jti` required; `parent_agent_id`, `parent_jti`,
 * `initiator` and `sub` optional. `iat`/`exp` must already be checked finite numbers.
 *
 * @throws DutygateError `TOKEN_CLAIMS` naming the offending claim.
 */
export function readAgentClaims(payload: JWTPayload, iss: string, iat: number, exp: number, maxLength = DEFAULT_MAX_IDENTIFIER_LENGTH): IssuedClaims {
  const claims: Mutable<IssuedClaims> = {
    iss,
    agentId: required(payload, 'agent_id', maxLength),
    jti: required(payload, 'jti', maxLength),
    iat,
    exp,
  };
  // Absent optional claims stay absent (not `undefined`) so that spreads and `in` behave.
  if (typeof payload.nbf === 'number') claims.nbf = payload.nbf;
  const parentAgentId = optional(payload, 'parent_agent_id', maxLength);
  if (parentAgentId !== undefined) claims.parentAgentId = parentAgentId;
  const parentJti = optional(payload, 'parent_jti', maxLength);
  if (parentJti !== undefined) claims.parentJti = parentJti;
  const initiator = optional(payload, 'initiator', maxLength);
  if (initiator !== undefined) claims.initiator = initiator;
  const sub = optional(payload, 'sub', maxLength);
  if (sub !== undefined) claims.sub = sub;
  return claims;
}

/** Longest `delegatee_iss`: an issuer URL, not an identifier, so not bound by the identifier limit. */
const MAX_ISSUER_LENGTH = 1024;

/**
 * Reads a delegation attestation's claims: those of an agent token plus the required
 * `delegatee_agent_id`, the one agent the attestation delegates to, and the optional
 * `delegatee_iss`, that agent's issuer when it is not the attestation's own.
 *
 * @throws DutygateError `TOKEN_CLAIMS` naming the offending claim.
 */
export function readDelegationClaims(payload: JWTPayload, iss: string, iat: number, exp: number, maxLength = DEFAULT_MAX_IDENTIFIER_LENGTH): IssuedClaims {
  const delegateeIss = optional(payload, DELEGATEE_ISSUER_CLAIM, MAX_ISSUER_LENGTH);
  return {
    ...readAgentClaims(payload, iss, iat, exp, maxLength),
    delegateeAgentId: required(payload, DELEGATEE_CLAIM, maxLength),
    ...(delegateeIss === undefined ? {} : { delegateeIss }),
  };
}

/**
 * Reads a principal token's claims: `sub` required, `jti` optional.
 *
 * @throws DutygateError `TOKEN_CLAIMS` naming the offending claim.
 */
export function readPrincipalClaims(payload: JWTPayload, iss: string, iat: number, exp: number, maxLength = DEFAULT_MAX_IDENTIFIER_LENGTH): PrincipalClaims {
  const claims: Mutable<PrincipalClaims> = {
    iss,
    sub: required(payload, 'sub', maxLength),
    iat,
    exp,
  };
  if (typeof payload.nbf === 'number') claims.nbf = payload.nbf;
  const jti = optional(payload, 'jti', maxLength);
  if (jti !== undefined) claims.jti = jti;
  return claims;
}

// Built field by field, then handed out as the readonly type.
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function required(payload: JWTPayload, name: string, maxLength: number): string {
  const value = payload[name];
  if (value === undefined) throw DutygateError.expected('TOKEN_CLAIMS', `the token has no ${name} claim`);
  return checkString(value, name, maxLength);
}

function optional(payload: JWTPayload, name: string, maxLength: number): string | undefined {
  const value = payload[name];
  return value === undefined ? undefined : checkString(value, name, maxLength);
}

function checkString(value: unknown, name: string, maxLength: number): string {
  if (typeof value !== 'string' || value === '') {
    throw DutygateError.expected('TOKEN_CLAIMS', `the token claim ${name} must be a non-empty string`);
  }
  const problem = identifierError(value, maxLength);
  // The reason names the claim and the problem, never the value (it may be hostile text).
  if (problem !== undefined) throw DutygateError.expected('TOKEN_CLAIMS', `the token claim ${name} ${problem}`);
  return value;
}
