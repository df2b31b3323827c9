/**
 * Token minting for local use and tests (`dutygate token mint`): agent tokens with the docs/design.md §2
 * claims, delegation attestations (chain links), child tokens that name their parent's
 * attestation, and approver tokens.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import { DELEGATEE_CLAIM, DELEGATEE_ISSUER_CLAIM, DELEGATION_AUDIENCE, DELEGATION_TYPE, isDelegationType } from './delegation.js';

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

/** Options of {@link mintDelegation}. */
export interface MintDelegationOptions {
  readonly iss: string;
  /** The delegating agent (the parent). */
  readonly agentId: string;
  /** The one agent this attestation delegates to (the child). */
  readonly delegateeAgentId: string;
  /** The child's issuer (`delegatee_iss`), when another issuer than `iss` mints the child. */
  readonly delegateeIss?: string;
  /** The delegating agent's own parent attestation, when it is itself delegated. */
  readonly parent?: ParentRef;
  readonly initiator?: string;
  /** Default: a random UUID. */
  readonly jti?: string;
  /** Default 60. */
  readonly ttlSeconds?: number;
  readonly now?: Date;
  /** More claims, applied last (tests). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The parent a child token names: its delegation attestation, or its `agentId` and `jti`. */
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
 * Signs a delegation attestation: the link of `x-agent-chain` by which `agentId` delegates to
 * `delegateeAgentId` (`typ` dutygate-delegation+jwt, `aud` dutygate:delegation). It is not a
 * credential: the gate refuses it in `authorization`.
 */
export async function mintDelegation(privateJwk: JWK, options: MintDelegationOptions): Promise<string> {
  const claims: JWTPayload = { agent_id: options.agentId, jti: options.jti ?? randomUUID(), [DELEGATEE_CLAIM]: options.delegateeAgentId };
  if (options.parent !== undefined) {
    const ref = typeof options.parent === 'string' ? parentFromToken(options.parent, options.agentId) : options.parent;
    claims['parent_agent_id'] = ref.agentId;
    claims['parent_jti'] = ref.jti;
  }
  if (options.initiator !== undefined) claims['initiator'] = options.initiator;
  if (options.delegateeIss !== undefined) claims[DELEGATEE_ISSUER_CLAIM] = options.delegateeIss;
  return sign(privateJwk, { ...claims, ...options.extra }, { ...options, aud: DELEGATION_AUDIENCE, typ: DELEGATION_TYPE });
}

/**
 * Signs a child agent token that names `parent` as its `parent_agent_id` / `parent_jti`.
 * A parent given as a token must be a delegation attestation to this very agent (see
 * {@link mintDelegation}); it is decoded without verification: minting trusts its own input.
 *
 * @throws TypeError for a parent token that is not a delegation attestation to `options.agentId`.
 */
export async function mintChildToken(
  privateJwk: JWK,
  parent: ParentRef,
  options: Omit<MintAgentOptions, 'parentAgentId' | 'parentJti'>,
): Promise<string> {
  const ref = typeof parent === 'string' ? parentFromToken(parent, options.agentId) : parent;
  return mintAgentToken(privateJwk, { ...options, parentAgentId: ref.agentId, parentJti: ref.jti });
}

/**
 * An agent token and the `x-agent-chain` that attests its `ancestors` (root first): one
 * delegation attestation per ancestor, each delegating to the next and the last to the agent,
 * all with the agent's `initiator`, `now` and `ttlSeconds`.
 */
export async function mintDelegatedAgent(
  privateJwk: JWK,
  options: Omit<MintAgentOptions, 'parentAgentId' | 'parentJti'> & { readonly ancestors: readonly string[] },
): Promise<{ token: string; chain: string[] }> {
  const { ancestors, ...agent } = options;
  const shared = {
    iss: agent.iss,
    ...(agent.initiator === undefined ? {} : { initiator: agent.initiator }),
    ...(agent.now === undefined ? {} : { now: agent.now }),
    ...(agent.ttlSeconds === undefined ? {} : { ttlSeconds: agent.ttlSeconds }),
  };
  const chain: string[] = [];
  for (const [index, ancestor] of ancestors.entries()) {
    const parent = chain[index - 1];
    const delegateeAgentId = ancestors[index + 1] ?? agent.agentId;
    chain.push(await mintDelegation(privateJwk, { ...shared, agentId: ancestor, delegateeAgentId, ...(parent === undefined ? {} : { parent }) }));
  }
  const parent = chain[chain.length - 1];
  const token = parent === undefined ? await mintAgentToken(privateJwk, agent) : await mintChildToken(privateJwk, parent, agent);
  return { token, chain };
}

/** Signs an approver token (`sub` is the approver principal). */
export async function mintApproverToken(privateJwk: JWK, options: MintApproverOptions): Promise<string> {
  return sign(privateJwk, { sub: options.sub, jti: randomUUID() }, options);
}

async function sign(
  privateJwk: JWK,
  claims: JWTPayload,
  options: { iss: string; aud: string | string[]; ttlSeconds?: number; now?: Date; typ?: string },
): Promise<string> {
  const alg = privateJwk.alg ?? 'EdDSA';
  const key = await importJWK(privateJwk, alg);
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const typ = options.typ ?? 'JWT';
  const header = privateJwk.kid === undefined ? { alg, typ } : { alg, typ, kid: privateJwk.kid };
  // Standard claims go into the payload object (not the setters) so that `extra` can override or
  // delete them when a test needs a deliberately broken token.
  return new SignJWT({ iss: options.iss, aud: options.aud, iat, exp: iat + (options.ttlSeconds ?? 60), ...claims })
    .setProtectedHeader(header)
    .sign(key);
}

function parentFromToken(token: string, delegatee: string): { agentId: string; jti: string } {
  // Since issue 19 a parent's own credential is no link: refuse to mint against one.
  if (!isDelegationType(decodeProtectedHeader(token).typ)) {
    throw new TypeError(`the parent token is not a delegation attestation (typ ${DELEGATION_TYPE}); mint one with --delegate-to`);
  }
  const payload = decodeJwt(token);
  if (payload[DELEGATEE_CLAIM] !== delegatee) {
    throw new TypeError(`the parent attestation delegates to ${JSON.stringify(payload[DELEGATEE_CLAIM])}, not to ${JSON.stringify(delegatee)}`);
  }
  const agentId = payload['agent_id'];
  const jti = payload.jti;
  if (typeof agentId !== 'string' || typeof jti !== 'string') {
    throw new TypeError('the parent token has no string agent_id and jti');
  }
  return { agentId, jti };
}
