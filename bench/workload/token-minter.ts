/**
 * Fast agent-token minting for the load generator: the same compact JWS the identity helpers
 * (src/identity/mint-token.ts) produce — EdDSA header with `kid`, docs/design.md §2 claims — but signed
 * with node:crypto directly, because the bench mints hundreds of thousands of tokens and jose's
 * SignJWT (WebCrypto, async) costs several times more per token.
 */
import { Buffer } from 'node:buffer';
import { createPrivateKey, sign } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { DELEGATEE_CLAIM, DELEGATION_AUDIENCE, DELEGATION_TYPE } from '../../src/identity/delegation.js';

/** Claims of one agent token. Times in seconds since the epoch. */
export interface AgentTokenClaims {
  readonly agentId: string;
  readonly jti: string;
  readonly iat: number;
  readonly ttlSeconds: number;
  readonly parentAgentId?: string;
  readonly parentJti?: string;
  readonly initiator?: string;
}

/** Claims of one delegation attestation (a chain link): `agentId` delegates to `delegateeAgentId`. */
export interface DelegationClaims extends AgentTokenClaims {
  readonly delegateeAgentId: string;
}

/** Signs agent tokens for one issuer and audience. */
export interface TokenMinter {
  readonly issuer: string;
  readonly audience: string;
  mint(claims: AgentTokenClaims): string;
  /** A delegation attestation: `typ` dutygate-delegation+jwt, `aud` dutygate:delegation (issue 19). */
  mintDelegation(claims: DelegationClaims): string;
}

/** Builds a minter from an Ed25519 private JWK (as `generateSigningKey` returns it). */
export function createTokenMinter(privateJwk: JWK, issuer: string, audience: string): TokenMinter {
  if (privateJwk.crv !== 'Ed25519') throw new Error('bench: the token minter signs with Ed25519 keys only');
  const key: KeyObject = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
  const headerOf = (typ: string) => base64url(JSON.stringify(privateJwk.kid === undefined ? { alg: 'EdDSA', typ } : { alg: 'EdDSA', typ, kid: privateJwk.kid }));
  const header = headerOf('JWT');
  const delegationHeader = headerOf(DELEGATION_TYPE);
  // The payload prefix is the same for every token: build it once.
  const prefix = `{"iss":${JSON.stringify(issuer)},"aud":${JSON.stringify(audience)}`;
  const delegationPrefix = `{"iss":${JSON.stringify(issuer)},"aud":${JSON.stringify(DELEGATION_AUDIENCE)}`;
  const signed = (head: string, start: string, claims: AgentTokenClaims, more = ''): string => {
    let payload = `${start},"iat":${claims.iat},"exp":${claims.iat + claims.ttlSeconds},"agent_id":${JSON.stringify(claims.agentId)},"jti":${JSON.stringify(claims.jti)}`;
    if (claims.parentAgentId !== undefined) payload += `,"parent_agent_id":${JSON.stringify(claims.parentAgentId)}`;
    if (claims.parentJti !== undefined) payload += `,"parent_jti":${JSON.stringify(claims.parentJti)}`;
    if (claims.initiator !== undefined) payload += `,"initiator":${JSON.stringify(claims.initiator)}`;
    const input = `${head}.${base64url(`${payload}${more}}`)}`;
    return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
  };
  return {
    issuer,
    audience,
    mint: (claims) => signed(header, prefix, claims),
    mintDelegation: (claims) => signed(delegationHeader, delegationPrefix, claims, `,${JSON.stringify(DELEGATEE_CLAIM)}:${JSON.stringify(claims.delegateeAgentId)}`),
  };
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
