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
import type { AgentClaims } from './types.js';
import { verifyEdDsaFast } from './eddsa-fast-path.js';
import type { FastPathIssuer } from './eddsa-fast-path.js';
import { createKeySource } from './jwks-source.js';
import type { KeySource } from './jwks-source.js';
import { fromJoseError } from './map-jose-error.js';
import type { JoseErrorContext } from './map-jose-error.js';
import { ASYMMETRIC_ALGORITHMS, parseUnverified, quote, readUnverifiedIssuer } from './parse-token.js';
import { DEFAULT_MAX_IDENTIFIER_LENGTH, readAgentClaims, readPrincipalClaims } from './read-claims.js';
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
}

/** A prepared verifier. */
export interface TokenVerifier<Claims> {
  /**
   * Verifies one compact JWS at time `now`.
   *
   * @throws DutygateError with a `TOKEN_*` code (the token's fault), `KEYS_UNAVAILABLE` (an
   *   issuer's key set could not be fetched) or `INTERNAL` (anything unexpected; fails closed).
   */
  readonly verify: (token: string, now: Date) => Promise<Claims>;
}

interface PreparedIssuer {
  readonly key: KeySource;
  readonly algorithms: ReadonlySet<string>;
  readonly options: JWTVerifyOptions;
  readonly context: JoseErrorContext;
  readonly fast: FastPathIssuer;
  readonly delegation: 'chain' | 'act';
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
): Promise<TokenVerifier<AgentClaims>>;
export function createTokenVerifier(
  options: TokenVerifierOptions & { readonly requireAgentClaims: false },
): Promise<TokenVerifier<PrincipalClaims>>;
export async function createTokenVerifier(
  options: TokenVerifierOptions,
): Promise<TokenVerifier<AgentClaims | PrincipalClaims>> {
  const { clockSkewMs, maxTokenBytes, requireAgentClaims } = options;
  const maxIdentifierLength = options.maxIdentifierLength ?? DEFAULT_MAX_IDENTIFIER_LENGTH;
  const skewSeconds = clockSkewMs / 1000;
  const maxLifetimeSeconds = options.maxTokenLifetimeMs / 1000;
  const issuers = await prepareIssuers(options.issuers, skewSeconds);

  async function verify(token: string, now: Date): Promise<AgentClaims | PrincipalClaims> {
    const { alg, payloadSegment } = parseUnverified(token, maxTokenBytes);
    const iss = readUnverifiedIssuer(payloadSegment);
    if (iss === undefined) throw new DutygateError('TOKEN_ISSUER', 'the token has no iss claim');
    const issuer = issuers.get(iss);
    if (issuer === undefined) {
      throw new DutygateError('TOKEN_ISSUER', `the token iss ${quote(iss)} is not a configured issuer`);
    }
    if (!issuer.algorithms.has(alg)) {
      throw new DutygateError(
        'TOKEN_ALG',
        `algorithm ${quote(alg)} is not allowed for issuer ${JSON.stringify(iss)} (allowed: ${[...issuer.algorithms].join(', ')})`,
      );
    }
    let payload: JWTPayload;
    try {
      // The synchronous EdDSA path accepts the common valid token; anything else is jose's call.
      payload = (await verifyEdDsaFast(token, issuer.fast, now)) ?? (await jwtVerify(token, issuer.key, { ...issuer.options, currentDate: now })).payload;
    } catch (error) {
      throw fromJoseError(error, issuer.context);
    }
    // jose has checked presence and number type (`requiredClaims`); JSON can still carry 1e999.
    const iat = payload.iat as number;
    const exp = payload.exp as number;
    if (!Number.isFinite(iat) || !Number.isFinite(exp)) {
      throw new DutygateError('TOKEN_CLAIMS', 'the token iat and exp must be finite numbers');
    }
    // jose checks `iat` only together with `maxTokenAge`; a token minted in the future would
    // otherwise stretch its effective lifetime past the bound below.
    if (iat > now.getTime() / 1000 + skewSeconds) {
      throw new DutygateError('TOKEN_NOT_YET_VALID', `the token iat lies in the future, beyond the ${skewSeconds}s clock skew`);
    }
    if (exp < iat) throw new DutygateError('TOKEN_CLAIMS', 'the token exp precedes its iat');
    if (exp - iat > maxLifetimeSeconds) {
      throw new DutygateError(
        'TOKEN_LIFETIME',
        `the token lifetime (exp - iat = ${exp - iat}s) exceeds the ${maxLifetimeSeconds}s maximum`,
      );
    }
    if (!requireAgentClaims) return readPrincipalClaims(payload, iss, iat, exp, maxIdentifierLength);
    return issuer.delegation === 'act'
      ? readActAgentClaims(payload, iss, iat, exp, maxIdentifierLength, options.maxActNesting ?? 32)
      : readAgentClaims(payload, iss, iat, exp, maxIdentifierLength);
  }

  return { verify };
}

async function prepareIssuers(
  configs: readonly IssuerConfig[],
  clockSkewSeconds: number,
): Promise<ReadonlyMap<string, PreparedIssuer>> {
  if (configs.length === 0) throw new DutygateError('INTERNAL', 'no token issuer is configured');
  const prepared = new Map<string, PreparedIssuer>();
  for (const config of configs) {
    const name = JSON.stringify(config.issuer);
    if (prepared.has(config.issuer)) throw new DutygateError('INTERNAL', `issuer ${name} is configured twice`);
    if (config.algorithms.length === 0) throw new DutygateError('INTERNAL', `issuer ${name} allows no algorithm`);
    for (const alg of config.algorithms) {
      if (!ASYMMETRIC_ALGORITHMS.has(alg)) {
        throw new DutygateError('INTERNAL', `issuer ${name} allows algorithm ${JSON.stringify(alg)}, which dutygate refuses`);
      }
    }
    const key = await createKeySource(config);
    prepared.set(config.issuer, {
      key,
      delegation: config.delegation ?? 'chain',
      algorithms: new Set(config.algorithms),
      // Frozen and reused for every token; only `currentDate` is added per call.
      options: Object.freeze({
        algorithms: [...config.algorithms],
        issuer: config.issuer,
        audience: typeof config.audience === 'string' ? config.audience : [...config.audience],
        clockTolerance: clockSkewSeconds,
        requiredClaims: ['iat', 'exp'],
      }),
      context: { iss: config.issuer, clockSkewSeconds },
      fast: {
        key,
        issuer: config.issuer,
        audiences: typeof config.audience === 'string' ? [config.audience] : [...config.audience],
        algorithms: new Set(config.algorithms),
        clockToleranceSeconds: clockSkewSeconds,
      },
    });
  }
  return prepared;
}
