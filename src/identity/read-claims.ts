/**
 * Turns a verified JWT payload into dutygate's typed claims. Signature and time checks have
 * already passed; this enforces the claim types DESIGN §2 requires, with bounded lengths so a
 * verified-but-silly token cannot push megabyte ids into the ledger, spans and metrics.
 */
import type { JWTPayload } from 'jose';
import { DutygateError } from '../errors.js';
import type { AgentClaims } from './types.js';

/** Longest accepted id-like claim (`agent_id`, `jti`, `sub`, parents, `initiator`). */
export const MAX_CLAIM_LENGTH = 256;

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
export function readAgentClaims(payload: JWTPayload, iss: string, iat: number, exp: number): AgentClaims {
  const claims: Mutable<AgentClaims> = {
    iss,
    agentId: requiredString(payload, 'agent_id'),
    jti: requiredString(payload, 'jti'),
    iat,
    exp,
  };
  // Absent optional claims stay absent (not `undefined`) so that spreads and `in` behave.
  if (typeof payload.nbf === 'number') claims.nbf = payload.nbf;
  const parentAgentId = optionalString(payload, 'parent_agent_id');
  if (parentAgentId !== undefined) claims.parentAgentId = parentAgentId;
  const parentJti = optionalString(payload, 'parent_jti');
  if (parentJti !== undefined) claims.parentJti = parentJti;
  const initiator = optionalString(payload, 'initiator');
  if (initiator !== undefined) claims.initiator = initiator;
  const sub = optionalString(payload, 'sub');
  if (sub !== undefined) claims.sub = sub;
  return claims;
}

/**
 * Reads a principal token's claims: `sub` required, `jti` optional.
 *
 * @throws DutygateError `TOKEN_CLAIMS` naming the offending claim.
 */
export function readPrincipalClaims(payload: JWTPayload, iss: string, iat: number, exp: number): PrincipalClaims {
  const claims: Mutable<PrincipalClaims> = {
    iss,
    sub: requiredString(payload, 'sub'),
    iat,
    exp,
  };
  if (typeof payload.nbf === 'number') claims.nbf = payload.nbf;
  const jti = optionalString(payload, 'jti');
  if (jti !== undefined) claims.jti = jti;
  return claims;
}

// Built field by field, then handed out as the readonly type.
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function requiredString(payload: JWTPayload, name: string): string {
  const value = payload[name];
  if (value === undefined) throw new DutygateError('TOKEN_CLAIMS', `the token has no ${name} claim`);
  return checkString(value, name);
}

function optionalString(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return value === undefined ? undefined : checkString(value, name);
}

function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new DutygateError('TOKEN_CLAIMS', `the token claim ${name} must be a non-empty string`);
  }
  if (value.length > MAX_CLAIM_LENGTH) {
    throw new DutygateError('TOKEN_CLAIMS', `the token claim ${name} is longer than ${MAX_CLAIM_LENGTH} characters`);
  }
  return value;
}
