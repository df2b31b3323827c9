import { createHash } from 'node:crypto';
import { canonicalJson } from '../policy/policy-hash.js';

/**
 * hex sha256 of the canonical JSON of a tool call's params (object keys sorted at every level,
 * the same canonicalisation as `policy_version`). The one hash an approval record, its override
 * token and the decision log share, so a retry with other params can never match.
 */
export function paramsHash(params: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(params)).digest('hex');
}
