/**
 * Token minting for local use and tests (`dutygate token mint`): agent tokens with the DESIGN §2
 * claims, child tokens that name their parent, and approver tokens.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, importJWK } from 'jose';
import type { JWK, JWTPayload } from 'jose';

/** Options of {@link mintAgentToken}. */
export interface MintAgentOptions {
  readonly iss: string;
  readonly aud: string | string[];
  readonly agentId: string;
  readonly parentAgentId?: string;
  readonly parentJti?: string;
  readonly initiator?: string;
  /** Default: a random UUID. */
  readonly jti?: string;
  /** Default 60. */
  readonly ttlSeconds?: number;
  /** Issue time (default: the clock). */
  readonly now?: Date;
  /** More claims, applied last, so they can also override the standard ones (tests). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Options of {@link mintApproverToken}. */
export interface MintApproverOptions {
  readonly iss: string;
  readonly aud: string | string[];
  /** The approver principal, e.g. `sso:alice`. */
  readonly sub: string;
  /** Default 60. */
  readonly ttlSeconds?: number;
  readonly now?: Date;
}

/** The parent a child token names: its token, or its `agentId` and `jti`. */
export type ParentRef = string | { readonly agentId: string; readonly jti: string };

/** Signs an agent token with `privateJwk` (its `kid` goes into the header, its `alg` is used). */
export async function mintAgentToken(privateJwk: JWK, options: MintAgentOptions): Promise<string> {
  const claims: JWTPayload = {
    agent_id: options.agentId,
    jti: options.jti ?? randomUUID(),
  };
  if (options.parentAgentId !== undefined) claims['parent_agent_id'] = options.parentAgentId;
  if (options.parentJti !== undefined) claims['parent_jti'] = options.parentJti;
  if (options.initiator !== undefined) claims['initiator'] = options.initiator;
  return sign(privateJwk, { ...claims, ...options.extra }, options);
}

/**
 * Signs a child agent token that names `parent` as its `parent_agent_id` / `parent_jti`.
 * A parent given as a token is decoded without verification: minting trusts its own input.
 */
export async function mintChildToken(
  privateJwk: JWK,
  parent: ParentRef,
  options: Omit<MintAgentOptions, 'parentAgentId' | 'parentJti'>,
): Promise<string> {
  const ref = typeof parent === 'string' ? parentFromToken(parent) : parent;
  return mintAgentToken(privateJwk, { ...options, parentAgentId: ref.agentId, parentJti: ref.jti });
}

/** Signs an approver token (`sub` is the approver principal). */
export async function mintApproverToken(privateJwk: JWK, options: MintApproverOptions): Promise<string> {
  return sign(privateJwk, { sub: options.sub, jti: randomUUID() }, options);
}

async function sign(
  privateJwk: JWK,
  claims: JWTPayload,
  options: { iss: string; aud: string | string[]; ttlSeconds?: number; now?: Date },
): Promise<string> {
  const alg = privateJwk.alg ?? 'EdDSA';
  const key = await importJWK(privateJwk, alg);
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const header = privateJwk.kid === undefined ? { alg, typ: 'JWT' } : { alg, typ: 'JWT', kid: privateJwk.kid };
  // Standard claims go into the payload object (not the setters) so that `extra` can override or
  // delete them when a test needs a deliberately broken token.
  return new SignJWT({ iss: options.iss, aud: options.aud, iat, exp: iat + (options.ttlSeconds ?? 60), ...claims })
    .setProtectedHeader(header)
    .sign(key);
}

function parentFromToken(token: string): { agentId: string; jti: string } {
  const payload = decodeJwt(token);
  const agentId = payload['agent_id'];
  const jti = payload.jti;
  if (typeof agentId !== 'string' || typeof jti !== 'string') {
    throw new TypeError('the parent token has no string agent_id and jti');
  }
  return { agentId, jti };
}
