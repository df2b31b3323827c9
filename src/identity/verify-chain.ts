/**
 * Delegation-chain attestation (docs/design.md §2): the `x-agent-chain` header carries the ancestors'
 * delegation attestations, root first, direct parent last. Each link is signature-checked against
 * the same issuers as the agent token, but as a delegation attestation (its own `typ` and
 * audience, see delegation.ts): an agent credential is refused as a link, and a link is refused
 * as a credential. Then the relational rules are checked on every request (they depend on the
 * child, so they are never cached), among them that each link names the very agent it delegates
 * to. Links are attestations, not credentials: their `jti` is not replay-claimed here.
 *
 * Links are numbered from 0 (the root) in reasons.
 */
import { Buffer } from 'node:buffer';
import { DutygateError, isDutygateError } from '../errors.js';
import type { AgentClaims } from './types.js';
import type { LinkVerifier } from './link-cache.js';

/** Bounds of {@link verifyChain}. */
export interface ChainOptions {
  /** Most links accepted (docs/design.md §2: default 8). */
  readonly maxChainDepth: number;
  readonly clockSkewMs: number;
  /** Largest single link; the whole header is bounded by depth × this. */
  readonly maxTokenBytes: number;
}

// Codes that say the gate (not the chain) is broken; they keep their 503 instead of a 403.
const INFRASTRUCTURE_CODES: ReadonlySet<string> = new Set(['KEYS_UNAVAILABLE', 'INTERNAL']);

/**
 * Verifies `chainHeader` against the already verified `agent` token and returns the ancestors,
 * root first, direct parent last (empty when the agent has no parent and no chain was sent).
 *
 * @throws DutygateError `CHAIN_INVALID` with the precise rule, link index and agent; or
 *   `KEYS_UNAVAILABLE`/`INTERNAL` when a link could not be checked at all.
 */
export async function verifyChain(
  agent: AgentClaims,
  chainHeader: string | undefined,
  verifyLink: LinkVerifier,
  options: ChainOptions,
  now: Date,
): Promise<AgentClaims[]> {
  const hasChain = chainHeader !== undefined && chainHeader.trim() !== '';
  if (!hasChain) {
    if (agent.parentAgentId !== undefined) {
      invalid(`agent ${q(agent.agentId)} names parent_agent_id ${q(agent.parentAgentId)} but no x-agent-chain was sent`);
    }
    if (agent.parentJti !== undefined) {
      invalid(`agent ${q(agent.agentId)} names a parent_jti but no x-agent-chain was sent`);
    }
    return [];
  }
  if (agent.parentAgentId === undefined) {
    invalid(`an x-agent-chain was sent but agent ${q(agent.agentId)} names no parent_agent_id`);
  }
  // Two extra bytes per link allow the ", " separators; checked before any parsing.
  const maxHeaderBytes = options.maxChainDepth * (options.maxTokenBytes + 2);
  if (Buffer.byteLength(chainHeader) > maxHeaderBytes) {
    invalid(`the x-agent-chain header exceeds ${maxHeaderBytes} bytes`);
  }
  const tokens = chainHeader.split(',');
  if (tokens.length > options.maxChainDepth) {
    invalid(`the x-agent-chain has ${tokens.length} links, more than the maximum of ${options.maxChainDepth}`);
  }
  for (let index = 0; index < tokens.length; index++) {
    // Optional whitespace around list elements (RFC 9110 §5.6.1).
    const token = (tokens[index] as string).trim();
    if (token === '') invalid(`link ${index} of the x-agent-chain is empty`);
    tokens[index] = token;
  }

  // Verify every link concurrently (signature checks run off the main thread), then report the
  // lowest failing index so the reason does not depend on timing.
  const settled = await Promise.allSettled(tokens.map((token) => verifyLink(token, now)));
  const links: AgentClaims[] = [];
  for (let index = 0; index < settled.length; index++) {
    const result = settled[index] as PromiseSettledResult<AgentClaims>;
    if (result.status === 'fulfilled') {
      links.push(result.value);
      continue;
    }
    const error: unknown = result.reason;
    if (isDutygateError(error) && !INFRASTRUCTURE_CODES.has(error.code)) {
      invalid(`link ${index}: ${error.code}: ${error.reason}`, error);
    }
    throw error;
  }

  checkRelations(links, agent, options.clockSkewMs / 1000);
  return links;
}

function checkRelations(links: readonly AgentClaims[], agent: AgentClaims, skewSeconds: number): void {
  const root = links[0] as AgentClaims;
  if (root.parentAgentId !== undefined || root.parentJti !== undefined) {
    invalid(`link 0 (agent ${q(root.agentId)}) is the root but names a parent`);
  }
  for (let index = 1; index <= links.length; index++) {
    const parent = links[index - 1] as AgentClaims;
    const child = links[index] ?? agent;
    const who = index === links.length ? `the agent token (agent ${q(child.agentId)})` : `link ${index} (agent ${q(child.agentId)})`;
    if (child.parentAgentId !== parent.localAgentId) {
      invalid(
        `${who} names parent_agent_id ${q(child.parentAgentId ?? '')} but link ${index - 1} is agent ${q(parent.agentId)}`,
      );
    }
    // The attestation names its delegatee: a parent's link delegates to one child only. Issuers
    // are namespaces (docs/design.md §2): a bare delegatee is an agent of the link's own issuer,
    // so another issuer's agent of that id cannot borrow the lineage.
    if (parent.delegateeAgentId !== child.localAgentId) {
      invalid(`link ${index - 1} (agent ${q(parent.agentId)}) delegates to ${q(parent.delegateeAgentId ?? '')}, not to ${who}`);
    }
    if ((parent.delegateeIss ?? parent.iss) !== child.iss) {
      invalid(`link ${index - 1} (agent ${q(parent.agentId)}) delegates to an agent of issuer ${q(parent.delegateeIss ?? parent.iss)}, not to ${who} of issuer ${q(child.iss)}`);
    }
    if (child.parentJti !== parent.jti) {
      invalid(`${who} names a parent_jti that is not the jti of link ${index - 1} (agent ${q(parent.agentId)})`);
    }
    // A child can only have been delegated while its parent's token was valid.
    if (child.iat < parent.iat - skewSeconds || child.iat > parent.exp + skewSeconds) {
      invalid(`${who} was issued outside the validity of link ${index - 1} (agent ${q(parent.agentId)})`);
    }
  }
  // No agent may appear twice: A→B→A would launder A's duties through B. Compared as principals,
  // so one issuer's planner and another's are two agents.
  const seen = new Map<string, number>();
  for (let index = 0; index <= links.length; index++) {
    const id = (links[index] ?? agent).agentId;
    const first = seen.get(id);
    if (first !== undefined) {
      const where = index === links.length ? 'the agent token' : `link ${index}`;
      invalid(`agent ${q(id)} appears twice in the chain (link ${first} and ${where})`);
    }
    seen.set(id, index);
  }
}

function invalid(reason: string, cause?: unknown): never {
  throw DutygateError.expected('CHAIN_INVALID', reason, cause === undefined ? undefined : { cause });
}

// Ids come from verified tokens and are length-bounded; JSON quoting keeps them log-safe.
function q(value: string): string {
  return JSON.stringify(value);
}
