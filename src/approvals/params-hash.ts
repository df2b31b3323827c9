import { hashParams } from '../audit/canonical-record.js';

/**
 * hex sha256 of the canonical JSON of a tool call's params (object keys sorted at every level,
 * the canonicalisation behind `policy_version`). One implementation, the decision log's: an
 * approval record, its override token and the decision record carry the same hash, so a
 * record can be matched to the approval it needed and a retry with other params never matches.
 */
export const paramsHash: (params: Readonly<Record<string, unknown>>) => string = hashParams;
