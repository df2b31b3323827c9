import type { RequireClauses } from './compiled.js';

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
