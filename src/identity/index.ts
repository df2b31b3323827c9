/**
 * Public API of the identity module (docs/design.md §2): agent and approver token verification,
 * delegation-chain attestation, and dev key generation and minting.
 */
export type { AgentClaims, VerifiedAgent } from './types.js';
export { createAgentVerifier } from './verify-agent.js';
export type { AgentVerifier, AgentVerifierOptions } from './verify-agent.js';
export { createTokenVerifier } from './verify-token.js';
export type { AgentTokenVerifier, TokenVerifier, TokenVerifierOptions } from './verify-token.js';
export { DELEGATEE_CLAIM, DELEGATION_AUDIENCE, DELEGATION_TYPE } from './delegation.js';
export type { PrincipalClaims } from './read-claims.js';
export { verifyChain } from './verify-chain.js';
export type { ChainOptions } from './verify-chain.js';
export { createCachedLinkVerifier } from './link-cache.js';
export type { CachedLinkVerifier, LinkCacheOptions, LinkVerifier } from './link-cache.js';
export { createKeySource } from './jwks-source.js';
export type { KeySource } from './jwks-source.js';
export { parseBearer } from './parse-bearer.js';
export { generateSigningKey } from './generate-keys.js';
export type { GenerateKeyOptions, SigningKey } from './generate-keys.js';
export { mintAgentToken, mintApproverToken, mintChildToken, mintDelegatedAgent, mintDelegation } from './mint-token.js';
export type { MintAgentOptions, MintApproverOptions, MintDelegationOptions, ParentRef } from './mint-token.js';
