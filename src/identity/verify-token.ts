/**
 * The token verifier: prepared once from the issuer configuration ("prepare once, verify per
 * token", like jose), then called for every bearer token and chain link on the hot path.
 *
 * Order of checks, cheapest and most hostile-input-proof first: size and shape, `alg` (refusing
 * `none`/HMAC/unknown before any key lookup), unverified `iss` to pick the issuer, that issuer's
 * alg allow-list, then jose `jwtVerify` with explicit `algorithms`, `issuer`, `audience`,
 * `clockTolerance` and `currentDate`, and finally lifetime and claim types.
 */
import { jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyOptions } from 'jose';
import { DutygateError } from '../errors.js';
import type { IssuerConfig } from '../config/types.js';
import { DEFAULT_ISSUER_NAME } from '../lib/issuer-name.js';
import { inNamespace } from './principal.js';
import type { AgentClaims, IssuerNamespace } from './types.js';
import { verifyEdDsaFast } from './eddsa-fast-path.js';
import type { FastPathIssuer } from './eddsa-fast-path.js';
import { createKeySource } from './jwks-source.js';
import type { KeySource } from './jwks-source.js';
import { fromJoseError } from './map-jose-error.js';
import type { JoseErrorContext } from './map-jose-error.js';
import { ASYMMETRIC_ALGORITHMS, decodeUnverifiedPayload, parseUnverified, quote } from './parse-token.js';
import { DELEGATION_AUDIENCE, DELEGATION_TYPE, hasDelegationAudience, isDelegationType } from './delegation.js';
import { DEFAULT_MAX_IDENTIFIER_LENGTH, readAgentClaims, readDelegationClaims, readPrincipalClaims } from './read-claims.js';
import { readActAgentClaims } from './act-delegation.js';
import type { PrincipalClaims } from './read-claims.js';

/** Options of {@link createTokenVerifier}. Durations in milliseconds. */
export interface TokenVerifierOptions {
  readonly issuers: readonly IssuerConfig[];
  readonly clockSkewMs: number;
  /** Largest accepted `exp - iat`. */
  readonly maxTokenLifetimeMs: number;
  /** Largest accepted token, in bytes. */
  readonly maxTokenBytes: number;
  /**
   * `true` for agent tokens (requires `agent_id` and `jti`, yields {@link AgentClaims});
   * `false` for approver tokens (requires `sub`, yields {@link PrincipalClaims}).
   */
  readonly requireAgentClaims: boolean;
  /** Longest identifier claim (`agent_id`, `jti`, parents, `initiator`, `sub`); default 128. */
  readonly maxIdentifierLength?: number;
  /** Most nested `act` claims read from an act-delegation issuer's token (the chain depth bound). */
  readonly maxActNesting?: number;
  /**
   * Agent tokens: the name of the issuer whose agents keep their bare `agent_id` as principal
   * (`identity.home_issuer`). Unset, a sole issuer is home and with several none is.
   */
  readonly homeIssuer?: string;
}

/** A prepared verifier. */
export interface TokenVerifier<Claims> {
  /**
   * Verifies one compact JWS, presented as a credential, at time `now`. A delegation
   * attestation (its `typ` or its audience) is refused `TOKEN_TYPE`: it is not a credential.
   *
   * @throws DutygateError with a `TOKEN_*` code (the token's fault), `KEYS_UNAVAILABLE` (an
   *   issuer's key set could not be fetched) or `INTERNAL` (anything unexpected; fails closed).
   */
  readonly verify: (token: string, now: Date) => Promise<Claims>;
}

/** The agent-token verifier: credentials, and the delegation attestations of `x-agent-chain`. */
export interface AgentTokenVerifier extends TokenVerifier<AgentClaims> {
  /**
   * Verifies one delegation attestation (a chain link): `typ` {@link DELEGATION_TYPE}, `aud`
   * {@link DELEGATION_AUDIENCE}, and a `delegatee_agent_id`. Anything else — a credential above
   * all — is refused `TOKEN_TYPE` or `TOKEN_AUDIENCE`.
   */
  readonly verifyDelegation: (token: string, now: Date) => Promise<AgentClaims>;
}

/** Verification settings of one issuer for one kind of token. */
interface Purpose {
  readonly options: JWTVerifyOptions;
  readonly fast: FastPathIssuer;
}

interface PreparedIssuer {
  readonly key: KeySource;
  readonly algorithms: ReadonlySet<string>;
  readonly context: JoseErrorContext;
  readonly credential: Purpose;
  /** How this issuer states delegation: chain links (x-agent-chain) or nested `act` claims. */
  readonly mode: 'chain' | 'act';
  /** The namespace of this issuer's agents (agent tokens only; docs/design.md §2). */
  readonly namespace: IssuerNamespace;
  readonly delegation: Purpose;
}

/**
 * Builds a verifier for agent tokens (`requireAgentClaims: true`) or approver tokens
 * (`requireAgentClaims: false`). Loads every issuer's key source (JWKS files are read now).
 *
 * @throws DutygateError `INTERNAL` for an unusable configuration (no issuer, a duplicate issuer,
 *   an empty or refused algorithm list); `KEYS_UNAVAILABLE` for an unreadable JWKS file.
 */
export function createTokenVerifier(
  options: TokenVerifierOptions & { readonly requireAgentClaims: true },
): Promise<AgentTokenVerifier>;
export function createTokenVerifier(
  options: TokenVerifierOptions & { readonly requireAgentClaims: false },
): Promise<TokenVerifier<PrincipalClaims>>;
export async function createTokenVerifier(
  options: TokenVerifierOptions,
): Promise<TokenVerifier<AgentClaims | PrincipalClaims> & { verifyDelegation?: (token: string, now: Date) => Promise<AgentClaims> }> {
  const { clockSkewMs, maxTokenBytes, requireAgentClaims } = options;
  const maxIdentifierLength = options.maxIdentifierLength ?? DEFAULT_MAX_IDENTIFIER_LENGTH;
  const skewSeconds = clockSkewMs / 1000;
  const maxLifetimeSeconds = options.maxTokenLifetimeMs / 1000;
  const issuers = await prepareIssuers(options.issuers, skewSeconds, requireAgentClaims ? options.homeIssuer : undefined);
  // With one issuer no principal can collide, so agent ids keep every printable character.
  const reserveSeparator = issuers.size > 1;

  async function verify(token: string, now: Date, delegation: boolean): Promise<AgentClaims | PrincipalClaims> {
    const { alg, payloadSegment, typ, header } = parseUnverified(token, maxTokenBytes);
    // Checked on the unverified header, which the signature below covers.
    if (delegation && !isDelegationType(typ)) {
      throw DutygateError.expected('TOKEN_TYPE', `a chain link must be a delegation attestation (typ ${DELEGATION_TYPE}); an agent credential is not one`);
    }
    if (!delegation && isDelegationType(typ)) {
      throw DutygateError.expected('TOKEN_TYPE', 'a delegation attestation is not a credential; present the agent\'s own token');
    }
    const unverified = decodeUnverifiedPayload(payloadSegment);
    const iss = typeof unverified['iss'] === 'string' ? unverified['iss'] : undefined;
    if (iss === undefined) throw DutygateError.expected('TOKEN_ISSUER', 'the token has no iss claim');
    const issuer = issuers.get(iss);
    if (issuer === undefined) {
      throw DutygateError.expected('TOKEN_ISSUER', `the token iss ${quote(iss)} is not a configured issuer`);
    }
    if (!issuer.algorithms.has(alg)) {
      throw DutygateError.expected(
        'TOKEN_ALG',
        `algorithm ${quote(alg)} is not allowed for issuer ${JSON.stringify(iss)} (allowed: ${[...issuer.algorithms].join(', ')})`,
      );
    }
    // An act issuer states delegation inside the agent's own token (RFC 8693), never in links.
    if (delegation && issuer.mode === 'act') {
      throw DutygateError.expected('TOKEN_TYPE', `issuer ${JSON.stringify(iss)} states delegation with act claims; it issues no chain links`);
    }
    const purpose = delegation ? issuer.delegation : issuer.credential;
    let payload: JWTPayload;
    try {
      // The synchronous EdDSA path accepts the common valid token; anything else is jose's call.
      // Header and payload as decoded above: the fast path trusts the payload only once the
      // signature over these very segments verified.
      payload = (await verifyEdDsaFast(token, purpose.fast, now, { header, payload: unverified })) ?? (await jwtVerify(token, issuer.key, { ...purpose.options, currentDate: now })).payload;
    } catch (error) {
      throw fromJoseError(error, issuer.context);
    }
    // An issuer audience list could name the delegation audience too; a credential still may not.
    if (!delegation && hasDelegationAudience(payload)) {
      throw DutygateError.expected('TOKEN_TYPE', `a token for audience ${DELEGATION_AUDIENCE} is a delegation attestation, not a credential`);
    }
    // jose has checked presence and number type (`requiredClaims`); JSON can still carry 1e999.
    const iat = payload.iat as number;
    const exp = payload.exp as number;
    if (!Number.isFinite(iat) || !Number.isFinite(exp)) {
      throw DutygateError.expected('TOKEN_CLAIMS', 'the token iat and exp must be finite numbers');
    }
    // jose checks `iat` only together with `maxTokenAge`; a token minted in the future would
    // otherwise stretch its effective lifetime past the bound below.
    if (iat > now.getTime() / 1000 + skewSeconds) {
      throw DutygateError.expected('TOKEN_NOT_YET_VALID', `the token iat lies in the future, beyond the ${skewSeconds}s clock skew`);
    }
    if (exp < iat) throw DutygateError.expected('TOKEN_CLAIMS', 'the token exp precedes its iat');
    if (exp - iat > maxLifetimeSeconds) {
      throw DutygateError.expected(
        'TOKEN_LIFETIME',
        `the token lifetime (exp - iat = ${exp - iat}s) exceeds the ${maxLifetimeSeconds}s maximum`,
      );
    }
    if (!requireAgentClaims) return readPrincipalClaims(payload, iss, iat, exp, maxIdentifierLength);
    const issued = delegation
      ? readDelegationClaims(payload, iss, iat, exp, maxIdentifierLength)
      : issuer.mode === 'act'
        ? readActAgentClaims(payload, iss, iat, exp, maxIdentifierLength, options.maxActNesting ?? 32)
        : readAgentClaims(payload, iss, iat, exp, maxIdentifierLength);
    return inNamespace(issued, issuer.namespace, reserveSeparator);
  }

  const asCredential = (token: string, now: Date) => verify(token, now, false);
  if (!requireAgentClaims) return { verify: asCredential };
  return { verify: asCredential, verifyDelegation: (token: string, now: Date) => verify(token, now, true) as Promise<AgentClaims> };
}

async function prepareIssuers(
  configs: readonly IssuerConfig[],
  clockSkewSeconds: number,
  homeIssuer: string | undefined,
): Promise<ReadonlyMap<string, PreparedIssuer>> {
  if (configs.length === 0) throw new DutygateError('INTERNAL', 'no token issuer is configured');
  const prepared = new Map<string, PreparedIssuer>();
  const namespaces = new Set<string>();
  for (const config of configs) {
    const name = JSON.stringify(config.issuer);
    if (prepared.has(config.issuer)) throw new DutygateError('INTERNAL', `issuer ${name} is configured twice`);
    const namespace = namespaceOf(config, configs.length, homeIssuer);
    // Two issuers of one name would share their agents: config validation refuses it too.
    if (namespaces.has(namespace.name)) throw new DutygateError('INTERNAL', `issuer name ${JSON.stringify(namespace.name)} is configured twice`);
    namespaces.add(namespace.name);
    if (config.algorithms.length === 0) throw new DutygateError('INTERNAL', `issuer ${name} allows no algorithm`);
    for (const alg of config.algorithms) {
      if (!ASYMMETRIC_ALGORITHMS.has(alg)) {
        throw new DutygateError('INTERNAL', `issuer ${name} allows algorithm ${JSON.stringify(alg)}, which dutygate refuses`);
      }
    }
    const key = await createKeySource(config);
    const purpose = (audiences: readonly string[], typ?: string): Purpose => ({
      // Frozen and reused for every token; only `currentDate` is added per call.
      options: Object.freeze({
        algorithms: [...config.algorithms],
        issuer: config.issuer,
        audience: [...audiences],
        clockTolerance: clockSkewSeconds,
        requiredClaims: ['iat', 'exp'],
        ...(typ === undefined ? {} : { typ }),
      }),
      fast: { key, issuer: config.issuer, audiences, algorithms: new Set(config.algorithms), clockToleranceSeconds: clockSkewSeconds },
    });
    prepared.set(config.issuer, {
      key,
      algorithms: new Set(config.algorithms),
      context: { iss: config.issuer, clockSkewSeconds },
      credential: purpose(typeof config.audience === 'string' ? [config.audience] : [...config.audience]),
      mode: config.delegation ?? 'chain',
      namespace,
      delegation: purpose([DELEGATION_AUDIENCE], DELEGATION_TYPE),
    });
  }
  return prepared;
}

/**
 * An issuer's namespace: its configured name (a sole issuer may go unnamed: `default`), home
 * when it is `homeIssuer` or, with no home named, the sole issuer.
 */
function namespaceOf(config: IssuerConfig, count: number, homeIssuer: string | undefined): IssuerNamespace {
  if (config.name === undefined && count > 1) {
    throw new DutygateError('INTERNAL', `issuer ${JSON.stringify(config.issuer)} has no name; with several issuers each needs one`);
  }
  const name = config.name ?? DEFAULT_ISSUER_NAME;
  return { name, home: homeIssuer === undefined ? count === 1 : homeIssuer === name };
}
