/**
 * Delegation by nested `act` claims (RFC 8693 §4.1), the alternative to `x-agent-chain` for an
 * issuer configured `delegation: act` (Keycloak, WSO2 and other token-exchange issuers). The
 * signed token itself says who acts for whom:
 *
 *   { "sub": "sso:alice", "jti": "…",
 *     "act": { "sub": "finance-a",              ← the current actor: the agent
 *              "act": { "sub": "planner",       ← the actor before it: its parent
 *                       "act": { "sub": "root-agent" } } } }   ← and so on, nearest first
 *
 * `sub` is the party the chain acts for: the initiator. The ancestors feed the same rules as an
 * attested chain (parent required, lineage duties, depth, no agent twice) in the chain phase.
 */
import type { JWTPayload } from 'jose';
import { DutygateError } from '../errors.js';
import { identifierError } from '../lib/text.js';
import { principalOf } from './principal.js';
import type { AgentClaims, IssuedClaims } from './types.js';

/**
 * Reads an act-delegation token's claims. `act.sub` is the agent (`agent_id`, when also present,
 * must name the same agent); `sub`, when present, is the initiator (an `initiator` claim must
 * agree); nested `act.sub`s are the ancestors, nearest first; `jti` is required for replay.
 * `parent_agent_id` / `parent_jti` are refused: one token must not state its lineage twice.
 *
 * @param maxNesting Nested `act` objects read at most (more is CHAIN_INVALID in the chain phase).
 * @throws DutygateError `TOKEN_CLAIMS` naming the offending claim.
 */
export function readActAgentClaims(payload: JWTPayload, iss: string, iat: number, exp: number, maxLength: number, maxNesting: number): IssuedClaims {
  const act = payload.act;
  if (act === undefined) throw claims('the token has no act claim (this issuer expresses delegation by act, RFC 8693 §4.1)');
  for (const name of ['parent_agent_id', 'parent_jti']) {
    if (payload[name] !== undefined) throw claims(`the token claim ${name} is not accepted from an act-delegation issuer (the act claim states the lineage)`);
  }
  const actors: string[] = [];
  let node: unknown = act;
  // One past the bound is read so that the chain phase can report the depth precisely.
  while (node !== undefined && actors.length <= maxNesting + 1) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) throw claims(`act claim at depth ${actors.length} must be an object`);
    const record = node as Record<string, unknown>;
    actors.push(identifier(record.sub, actors.length === 0 ? 'act.sub' : `${'act.'.repeat(actors.length + 1)}sub`, maxLength));
    node = record.act;
  }
  const [agentId, ...ancestors] = actors as [string, ...string[]];
  if (payload.agent_id !== undefined && payload.agent_id !== agentId) throw claims('the token claim agent_id must name the current actor (act.sub)');
  const sub = payload.sub === undefined ? undefined : identifier(payload.sub, 'sub', maxLength);
  if (payload.initiator !== undefined && payload.initiator !== sub) throw claims('the token claim initiator must be its sub (the party the actors act for)');
  const jti = identifier(payload.jti, 'jti', maxLength);
  return {
    iss,
    agentId,
    jti,
    iat,
    exp,
    ...(typeof payload.nbf === 'number' ? { nbf: payload.nbf } : {}),
    ...(ancestors[0] === undefined ? {} : { parentAgentId: ancestors[0] }),
    ...(sub === undefined ? {} : { initiator: sub, sub }),
    actAncestors: ancestors,
  };
}

/**
 * The chain phase for an act-delegation token: the ancestors as claims, root first (the order
 * `x-agent-chain` gives), after the same rules an attested chain meets.
 *
 * @throws DutygateError `CHAIN_INVALID` for an `x-agent-chain` sent beside the act claim, a chain
 *   deeper than `maxChainDepth`, or an agent that appears twice.
 */
export function actAncestorsOf(agent: AgentClaims, chainHeader: string | undefined, maxChainDepth: number): AgentClaims[] {
  const nearestFirst = agent.actAncestors ?? [];
  if (chainHeader !== undefined && chainHeader.trim() !== '') {
    throw chainInvalid(`agent ${q(agent.agentId)} comes from an act-delegation issuer: its lineage is the act claim, and an x-agent-chain is not accepted beside it`);
  }
  if (nearestFirst.length > maxChainDepth) {
    throw chainInvalid(`the act claim names more than ${maxChainDepth} earlier actors (identity.max_chain_depth)`);
  }
  const seen = new Set<string>([agent.localAgentId]);
  for (const id of nearestFirst) {
    // No agent twice: A→B→A would launder A's duties through B, whichever form states it.
    if (seen.has(id)) throw chainInvalid(`agent ${q(id)} appears twice in the act claim`);
    seen.add(id);
  }
  // Ancestors are attested by the agent's own signed token: they carry its issuer (and so its
  // namespace, docs/design.md §2) and times.
  return [...nearestFirst].reverse().map((localAgentId, index, rootFirst) => ({
    iss: agent.iss,
    agentId: principalOf(agent.namespace, localAgentId),
    localAgentId,
    namespace: agent.namespace,
    jti: `${agent.jti}#act${rootFirst.length - index}`,
    iat: agent.iat,
    exp: agent.exp,
    ...(index === 0 ? {} : { parentAgentId: rootFirst[index - 1] }),
  }));
}

function identifier(value: unknown, name: string, maxLength: number): string {
  if (typeof value !== 'string' || value === '') throw claims(`the token claim ${name} must be a non-empty string`);
  const problem = identifierError(value, maxLength);
  if (problem !== undefined) throw claims(`the token claim ${name} ${problem}`);
  return value;
}

function claims(reason: string): DutygateError {
  return DutygateError.expected('TOKEN_CLAIMS', reason);
}

function chainInvalid(reason: string): DutygateError {
  return DutygateError.expected('CHAIN_INVALID', reason);
}

// Ids come from verified tokens and are length-bounded; JSON quoting keeps them log-safe.
function q(value: string): string {
  return JSON.stringify(value);
}
