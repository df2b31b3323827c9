/**
 * The only code that knows Envoy's ext_authz API: CheckRequest → `HttpRequest` on the way
 * in, `CheckOutcome` → CheckResponse on the way out.
 */
import type { CheckOutcome } from '../check/outcome.js';
import { buildDeniedResponse, buildOkResponse } from './build-response.js';
import type { WireCheckResponse } from './wire-types.js';

export { buildDeniedResponse, buildOkResponse, STRIPPED_HEADERS } from './build-response.js';
export { createDenyOutcome } from './deny-outcome.js';
export { loadProtos, AUTHORIZATION_SERVICE, HEALTH_SERVICE, PROTO_DIR, PROTO_LOADER_OPTIONS } from './load-protos.js';
export type { LoadedProtos } from './load-protos.js';
export { normalizeHost, parseCheckRequest } from './parse-check-request.js';
export type { ParseCheckRequestResult, ParseLimits } from './parse-check-request.js';
export type * from './wire-types.js';

/** Picks the builder by decision: `allow`/`sanitize` → ok_response, otherwise denied_response. */
export function toCheckResponse(outcome: CheckOutcome): WireCheckResponse {
  return outcome.decision === 'allow' || outcome.decision === 'sanitize'
    ? buildOkResponse(outcome)
    : buildDeniedResponse(outcome);
}
