/** Claims of a verified agent token (or chain link), normalised from the JWT payload. */
export interface AgentClaims {
  readonly iss: string;
  readonly agentId: string;
  readonly jti: string;
  /** Seconds since the epoch. */
  readonly iat: number;
  /** Seconds since the epoch. */
  readonly exp: number;
  readonly nbf?: number;
  readonly parentAgentId?: string;
  readonly parentJti?: string;
  /** The human principal on whose behalf the workflow runs (e.g. `sso:alice`). */
  readonly initiator?: string;
  readonly sub?: string;
  /**
   * Set for a token of an act-delegation issuer (RFC 8693 §4.1): the earlier actors named by
   * its nested `act` claims, nearest first (empty when the agent acts alone). Their attestation
   * is the token's own signature, so no `x-agent-chain` is read.
   */
  readonly actAncestors?: readonly string[];
  /** Delegation attestations only: the agent this link delegates to (`delegatee_agent_id`). */
  readonly delegateeAgentId?: string;
}

/** A verified agent: its own token and the attested ancestors, root first, direct parent last. */
export interface VerifiedAgent {
  readonly token: AgentClaims;
  readonly ancestors: readonly AgentClaims[];
}
