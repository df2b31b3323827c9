import type { RequireClauses } from './compiled.js';
import type { ClauseRef } from './types.js';

/** Source pointer of dutygate's own clause texts (not from any policy file). */
export const BUILTIN_SOURCE = 'dutygate:builtin';

/**
 * Texts quoted when a `require` fails and the policy has no clause for it (neither on the rule
 * nor one named after the code), so that every deny still carries verbatim rule text.
 */
export const BUILTIN_CLAUSES: RequireClauses = {
  CHAIN_REQUIRED: {
    name: 'CHAIN_REQUIRED',
    text: 'This action may only be taken by a delegated agent that presents its attested parent chain.',
    source: `${BUILTIN_SOURCE}#/clauses/CHAIN_REQUIRED`,
  },
  SOD_SAME_AGENT: {
    name: 'SOD_SAME_AGENT',
    text: 'An agent may not act as its own parent or ancestor.',
    source: `${BUILTIN_SOURCE}#/clauses/SOD_SAME_AGENT`,
  },
  SOD_DUTY_CONFLICT: {
    name: 'SOD_DUTY_CONFLICT',
    text: 'No agent or person may perform two distinct steps of the same duty on the same resource.',
    source: `${BUILTIN_SOURCE}#/clauses/SOD_DUTY_CONFLICT`,
  },
};

/**
 * Quoted when a duty step's resource cannot be named (SOD_RESOURCE_INVALID) and the duty has no
 * `clause` and the policy no clause of that name.
 */
export const BUILTIN_RESOURCE_CLAUSE: ClauseRef = {
  name: 'SOD_RESOURCE_INVALID',
  text: 'Every step of a duty must name its resource in the one spelling the duty declares, so that each resource has one ledger entry.',
  source: `${BUILTIN_SOURCE}#/clauses/SOD_RESOURCE_INVALID`,
};
