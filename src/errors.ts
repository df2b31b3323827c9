/**
 * Stable reason codes and the one table that maps them to gRPC and HTTP statuses.
 *
 * Every deny dutygate produces carries exactly one of these codes. The same string is the
 * JSON `code` the agent sees, the span attribute `dutygate.code` and the metric label, so a
 * code, once shipped, is never renamed.
 */

/** gRPC status codes used in `CheckResponse.status.code` (google.rpc.Code). */
export const GrpcCode = {
  OK: 0,
  PERMISSION_DENIED: 7,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

interface CodeSpec {
  /** `CheckResponse.status.code` sent to Envoy. */
  readonly grpc: number;
  /** HTTP status Envoy returns to the agent in `denied_response`. */
  readonly http: number;
  /** One-line meaning, for the README and `--help`. */
  readonly meaning: string;
}

const identity = (meaning: string): CodeSpec => ({ grpc: GrpcCode.UNAUTHENTICATED, http: 401, meaning });
const forbidden = (meaning: string): CodeSpec => ({ grpc: GrpcCode.PERMISSION_DENIED, http: 403, meaning });
const badRequest = (meaning: string): CodeSpec => ({ grpc: GrpcCode.PERMISSION_DENIED, http: 400, meaning });
const unavailable = (meaning: string): CodeSpec => ({ grpc: GrpcCode.UNAVAILABLE, http: 503, meaning });

/** Every reason code, with its statuses. Order is the README's order. */
export const CODES = {
  OK: { grpc: GrpcCode.OK, http: 200, meaning: 'allowed' },
  // identity (docs/design.md §2): 401
  TOKEN_MISSING: identity('no `authorization: Bearer` token on the request'),
  TOKEN_MALFORMED: identity('the bearer token is not a well-formed compact JWS/JWT'),
  TOKEN_ALG: identity('the token algorithm is not on the issuer allow-list (`none` and HMAC always refused)'),
  TOKEN_ISSUER: identity('the token `iss` is not a configured issuer'),
  TOKEN_KID: identity('no key of the issuer matches the token `kid`'),
  TOKEN_SIGNATURE: identity('the token signature does not verify'),
  TOKEN_AUDIENCE: identity('the token `aud` does not name this gate'),
  TOKEN_EXPIRED: identity('the token `exp` has passed (beyond the clock skew)'),
  TOKEN_NOT_YET_VALID: identity('the token `nbf` or `iat` lies in the future (beyond the clock skew)'),
  TOKEN_LIFETIME: identity('`exp - iat` exceeds `identity.max_token_lifetime`'),
  TOKEN_CLAIMS: identity('a required claim (`agent_id`, `jti`, `iat`, `exp`) is missing or has the wrong type, or an identifier claim is ill-formed (control, format or bidi characters, unpaired surrogates, longer than `limits.max_identifier_length`)'),
  TOKEN_TYPE: identity('a delegation attestation (`typ: dutygate-delegation+jwt`) was presented as a credential, or a credential as a chain link'),
  KEYS_UNAVAILABLE: unavailable('the issuer key set could not be fetched'),
  REPLAY: identity('the token `jti` was already spent'),
  // chain (docs/design.md §2): 403
  CHAIN_INVALID: forbidden('the `x-agent-chain` attestation failed a rule (see `reason`)'),
  CHAIN_REQUIRED: forbidden('a rule requires an attested parent agent and none was presented'),
  // request → tool (docs/design.md §3)
  REQUEST_MALFORMED: badRequest('the checked request has no method, host or origin-form path'),
  HEADERS_TOO_LARGE: badRequest('request headers exceed the configured bound'),
  BODY_TOO_LARGE: badRequest('the request body exceeds the configured bound (or Envoy truncated it)'),
  BODY_MALFORMED: badRequest('the request body is not valid JSON'),
  BODY_TOO_DEEP: badRequest('the JSON body nests deeper than allowed'),
  BODY_DUPLICATE_KEY: badRequest('the JSON body repeats an object key'),
  BODY_UNKNOWN_PARAM: badRequest('the call carries a param its tool does not declare (`tools[].params`)'),
  BODY_SCHEMA: badRequest('the params do not fit the schema their tool declares (`tools[].params.schema`)'),
  BODY_KEY_COLLISION: badRequest('two keys of one JSON object (or two param sources) are equal under Unicode simple case folding'),
  BODY_NON_FINITE: badRequest('the JSON body holds a number that is not finite'),
  MCP_BATCH: badRequest('a JSON-RPC batch was sent to an MCP endpoint'),
  MCP_MALFORMED: badRequest('the MCP JSON-RPC message is not a valid request or notification'),
  MCP_HEADER_MISMATCH: badRequest('`Mcp-Method` / `Mcp-Name` are missing (MCP 2026-07-28 and later), undecodable, or disagree with the body'),
  MCP_TOOL_NAME: badRequest('the MCP tool name is not 1–128 characters of `A-Z a-z 0-9 _ - . /` (`limits.max_tool_name_length`, `limits.tool_name_extra_chars`)'),
  METHOD_OVERRIDE: badRequest('the request carries a method-override header, or a `_method` query param or body member (`limits.method_override`)'),
  // policy (docs/design.md §4): 403
  NO_TOOL: forbidden('the request maps to no tool and the policy default is deny'),
  NO_RULE: forbidden('no rule matched the tool call and the policy default is deny'),
  POLICY_DENY: forbidden('a rule with `effect: deny` matched'),
  SOD_SAME_AGENT: forbidden('the agent is its own parent or ancestor (`different_agent_id`)'),
  SOD_DUTY_CONFLICT: forbidden('the actor already performed another distinct step of this resource'),
  SOD_RESOURCE_INVALID: forbidden("a duty step's resource is missing, repeated, not a scalar, or outside the duty's pattern or type"),
  APPROVAL_REQUIRED: forbidden('a human approval is needed (see `approval_id`)'),
  APPROVAL_UNAVAILABLE: forbidden('a human approval is needed but approvals are not enabled on this gate'),
  // 429, not 403: the call may well be allowed once the agent's (or initiator's) pending approvals are decided.
  APPROVAL_LIMIT: {
    grpc: GrpcCode.PERMISSION_DENIED,
    http: 429,
    meaning: 'a human approval is needed, but the agent or its initiator already has `limits.max_pending_approvals` approvals pending; nothing was recorded or posted',
  },
  // 429, not 403: the call is fine; the actor's share of the duty ledger is used up until its entries age out.
  LEDGER_LIMIT: {
    grpc: GrpcCode.PERMISSION_DENIED,
    http: 429,
    meaning: 'the call would record a duty step, but its agent, its chain\'s root agent or its initiator already holds `limits.max_ledger_entries_per_actor` live duty-ledger entries; nothing was recorded',
  },
  // override tokens (docs/design.md §6): 403
  OVERRIDE_INVALID: forbidden('the `x-dutygate-override` token is malformed or its signature does not verify'),
  OVERRIDE_MISMATCH: forbidden('the override token was issued for another deployment, agent, chain, initiator, tool, params or request'),
  OVERRIDE_STALE_POLICY: forbidden('the override token was issued under another policy version'),
  OVERRIDE_EXPIRED: forbidden('the override token has expired'),
  OVERRIDE_SPENT: forbidden('the override token was already used (it is single-use)'),
  // state and internals: 503
  REPLAY_CAPACITY: unavailable('the memory replay store is full of unexpired tokens; fails closed'),
  STATE_UNAVAILABLE: unavailable('the state store did not answer in time'),
  OVERLOADED: unavailable('the gate is over capacity: the Check was shed before any state was touched (its token is not spent); retry'),
  POLICY_UNAVAILABLE: unavailable('no valid policy is loaded'),
  INTERNAL: unavailable('an internal error; the gate fails closed'),
} as const satisfies Record<string, CodeSpec>;

/** A stable reason code. */
export type Code = keyof typeof CODES;

/** Codes other than `OK`. */
export type DenyCode = Exclude<Code, 'OK'>;

/**
 * The one error type dutygate throws across module boundaries. `code` is stable; `reason` is a
 * precise, agent-safe sentence (never contains a token or a secret); `cause` is for logs only.
 */
export class DutygateError extends Error {
  override readonly name = 'DutygateError';
  constructor(
    readonly code: DenyCode,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${reason}`, options);
  }

  /**
   * The same error without a stack trace, for a deny that is a normal outcome of a Check (a
   * refused token, a body the mapper rejects, an agent over its pending-approval cap): such an
   * error is only ever read for its `code` and `reason`, and capturing the stack of an Error
   * costs microseconds per Check on these paths. Class, code, reason and message are the same.
   */
  static expected(code: DenyCode, reason: string, options?: { cause?: unknown }): DutygateError {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new DutygateError(code, reason, options);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/** True for a {@link DutygateError}. */
export function isDutygateError(value: unknown): value is DutygateError {
  return value instanceof DutygateError;
}
