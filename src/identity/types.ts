/**
 * The namespace an agent id lives in: the configured name of the issuer that verified it
 * (docs/design.md §2, issuers are namespaces).
 */
export interface IssuerNamespace {
  /** `identity.issuers[].name`. */
  readonly name: string;
  /** The home issuer (`identity.home_issuer`): its agents' principals are their bare `agent_id`. */
  readonly home: boolean;
}

/**
 * Claims of a verified agent token (or chain link) as its issuer wrote them: `agentId` is the
 * bare `agent_id` claim. Only the token verifier sees these; it hands out {@link AgentClaims}.
 */
export interface IssuedClaims {
  readonly iss: string;
  /** The `agent_id` claim (act issuers: `act.sub`), not yet in its issuer's namespace. */
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
  /** Delegation attestations only: the delegatee's issuer (`delegatee_iss`; default the link's `iss`). */
  readonly delegateeIss?: string;
}

/**
 * Claims of a verified agent token (or chain link). `agentId` is the agent's **principal** —
 * its `agent_id` in its issuer's namespace (`partner|finance-a`, bare for the home issuer) —
 * and is what the ledger, approvals, overrides, break-glass grants, policy globs and the
 * `x-agent-id` header see, so that one issuer cannot act as another issuer's agent of the same
 * id. The claims that name other agents (`parentAgentId`, `delegateeAgentId`, `actAncestors`)
 * stay as written: only chain verification reads them, and it pairs them with the issuers.
 */
export interface AgentClaims extends Omit<IssuedClaims, 'agentId'> {
  /** The principal: `<issuer name>|<agent_id>`, or the bare `agent_id` for the home issuer. */
  readonly agentId: string;
  /** The `agent_id` claim as the issuer wrote it. */
  readonly localAgentId: string;
  readonly namespace: IssuerNamespace;
}

/** A verified agent: its own token and the attested ancestors, root first, direct parent last. */
export interface VerifiedAgent {
  readonly token: AgentClaims;
  readonly ancestors: readonly AgentClaims[];
}
