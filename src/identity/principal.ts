/**
 * Issuers are namespaces (docs/design.md §2): an agent's principal is its `agent_id` spelled in
 * the namespace of the issuer that verified it, so that a partner issuer minting
 * `agent_id: finance-a` gets `partner|finance-a`, never the first-party `finance-a`.
 */
import { DutygateError } from '../errors.js';
import { PRINCIPAL_SEPARATOR } from '../lib/issuer-name.js';
import type { AgentClaims, IssuedClaims, IssuerNamespace } from './types.js';

/** The principal of `localId` in `namespace`: bare for the home issuer, else `<name>|<localId>`. */
export function principalOf(namespace: IssuerNamespace, localId: string): string {
  return namespace.home ? localId : `${namespace.name}${PRINCIPAL_SEPARATOR}${localId}`;
}

/**
 * Puts verified claims into their issuer's namespace. With several issuers configured
 * (`reserveSeparator`), an agent id holding the separator is refused: a home agent named
 * `partner|finance-a` would otherwise be the partner's `finance-a`.
 *
 * @throws DutygateError `TOKEN_CLAIMS` naming the claim that holds the separator.
 */
export function inNamespace(claims: IssuedClaims, namespace: IssuerNamespace, reserveSeparator: boolean): AgentClaims {
  if (reserveSeparator) {
    const named: [string, string | undefined][] = [
      ['agent_id', claims.agentId],
      ['parent_agent_id', claims.parentAgentId],
      ['delegatee_agent_id', claims.delegateeAgentId],
      ...(claims.actAncestors ?? []).map((id): [string, string] => ['act.sub', id]),
    ];
    for (const [claim, value] of named) {
      if (value?.includes(PRINCIPAL_SEPARATOR)) {
        throw DutygateError.expected('TOKEN_CLAIMS', `the token claim ${claim} may not contain '${PRINCIPAL_SEPARATOR}': it separates issuer and agent in a principal`);
      }
    }
  }
  return { ...claims, agentId: principalOf(namespace, claims.agentId), localAgentId: claims.agentId, namespace };
}
