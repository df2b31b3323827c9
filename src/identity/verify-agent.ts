/**
 * The identity phase of a Check: bearer token → verified agent token → attested ancestors.
 * Replay claiming of the agent token's `jti` is the caller's job (it needs the state store).
 */
import type { IdentityConfig, LimitsConfig } from '../config/types.js';
import type { AgentClaims, VerifiedAgent } from './types.js';
import { createCachedLinkVerifier } from './link-cache.js';
import { parseBearer } from './parse-bearer.js';
import { verifyChain } from './verify-chain.js';
import { actAncestorsOf } from './act-delegation.js';
import type { ChainOptions } from './verify-chain.js';
import { createTokenVerifier } from './verify-token.js';

/**
 * A prepared agent verifier. The two phases are also exposed separately because the Check
 * pipeline spends the token's `jti` between them (a token is spent even if its chain fails).
 */
export interface AgentVerifier {
  /**
   * Verifies the bearer token in the `authorization` header value at time `now`.
   *
   * @throws DutygateError `TOKEN_*`, `KEYS_UNAVAILABLE` or `INTERNAL`.
   */
  verifyToken(authorization: string | undefined, now: Date): Promise<AgentClaims>;
  /**
   * Verifies the `x-agent-chain` header value for the verified `agent`; ancestors root first.
   *
   * @throws DutygateError `CHAIN_INVALID`, `KEYS_UNAVAILABLE` or `INTERNAL`.
   */
  verifyChain(agent: AgentClaims, chainHeader: string | undefined, now: Date): Promise<AgentClaims[]>;
  /**
   * Verifies the `authorization` and `x-agent-chain` header values at time `now`.
   *
   * @throws DutygateError `TOKEN_*`, `CHAIN_INVALID`, `KEYS_UNAVAILABLE` or `INTERNAL`.
   */
  verifyAgent(authorization: string | undefined, chainHeader: string | undefined, now: Date): Promise<VerifiedAgent>;
}

/** Options of {@link createAgentVerifier} beyond the configuration. */
export interface AgentVerifierOptions {
  /** Upper bound on cached chain links (default 10,000). */
  readonly maxCachedLinks?: number;
}

/**
 * Builds the agent verifier from `identity` (issuers, skew, lifetime, chain depth) and `limits`
 * (`maxTokenBytes`). JWKS files are read now.
 *
 * @throws DutygateError `KEYS_UNAVAILABLE` (unreadable JWKS file) or `INTERNAL` (bad issuers).
 */
export async function createAgentVerifier(
  identity: IdentityConfig,
  limits: LimitsConfig,
  options: AgentVerifierOptions = {},
): Promise<AgentVerifier> {
  const tokens = await createTokenVerifier({
    issuers: identity.issuers,
    clockSkewMs: identity.clockSkewMs,
    maxTokenLifetimeMs: identity.maxTokenLifetimeMs,
    maxTokenBytes: limits.maxTokenBytes,
    requireAgentClaims: true,
    maxIdentifierLength: limits.maxIdentifierLength,
    maxActNesting: identity.maxChainDepth,
    ...(identity.homeIssuer === undefined ? {} : { homeIssuer: identity.homeIssuer }),
  });
  const verifyLink = createCachedLinkVerifier(tokens.verifyDelegation, { maxEntries: options.maxCachedLinks ?? 10_000 });
  const chainOptions: ChainOptions = {
    maxChainDepth: identity.maxChainDepth,
    clockSkewMs: identity.clockSkewMs,
    maxTokenBytes: limits.maxTokenBytes,
  };

  // async so that a bad header rejects like every other failure instead of throwing synchronously.
  const verifyToken = async (authorization: string | undefined, now: Date): Promise<AgentClaims> =>
    tokens.verify(parseBearer(authorization), now);
  const verifyAgentChain = async (agent: AgentClaims, chainHeader: string | undefined, now: Date): Promise<AgentClaims[]> =>
    // An act-delegation token (RFC 8693) carries its own lineage; it never reads x-agent-chain.
    agent.actAncestors !== undefined ? actAncestorsOf(agent, chainHeader, identity.maxChainDepth) : verifyChain(agent, chainHeader, verifyLink, chainOptions, now);

  return {
    verifyToken,
    verifyChain: verifyAgentChain,
    async verifyAgent(authorization, chainHeader, now) {
      const token = await verifyToken(authorization, now);
      return { token, ancestors: await verifyAgentChain(token, chainHeader, now) };
    },
  };
}
