import type { Code } from '../errors.js';
import type { DecisionKind, RequestChanges } from '../policy/types.js';

/**
 * The phase of a Check that produced its outcome (docs/design.md §1): `transport` (the gRPC or
 * AuthZEN adapter refused the request itself, or the pipeline missed the backstop), `admission`
 * (shed before any state was touched), then the pipeline's phases in order. For an allow, the
 * phase whose verdict stands: `policy`, `approval` (lifted by an override or break-glass) or
 * `duties` (a shadowed conflict found at commit).
 */
export type CheckPhase = 'transport' | 'admission' | 'identity' | 'replay' | 'chain' | 'mapping' | 'policy' | 'approval' | 'duties';

/**
 * The finished result of one Check, protocol-neutral. `src/authz/` turns it into Envoy's
 * CheckResponse with exactly two builders (allow / deny); the audit record reads it too.
 */
export interface CheckOutcome {
  /** `allow` and `sanitize` let the request through; `deny` and `approval_needed` stop it. */
  readonly decision: DecisionKind;
  readonly code: Code;
  /** The phase that decided (a deny carries the phase that denied). */
  readonly phase: CheckPhase;
  /** Unique id of this decision (UUID v4), in the response, the span and the decision log. */
  readonly decisionId: string;
  /** Absent only when no policy was loaded. */
  readonly policyVersion?: string;
  readonly agentId?: string;
  readonly parentAgentId?: string;
  /** Attested chain agent ids, root first, direct parent last. */
  readonly chain?: readonly string[];
  readonly jti?: string;
  /** The token's `initiator` claim as sent (the audit record resolves `principals.aliases`). */
  readonly initiator?: string;
  readonly tool?: string;
  /** The `tools:` entry the request matched (for MCP, the entry behind `mcp:<name>`). */
  readonly toolEntry?: string;
  /** MCP: the JSON-RPC `id` of the checked message, as a string (for the span's `jsonrpc.request.id`). */
  readonly jsonrpcId?: string;
  /**
   * The tool call's params, raw, for the audit record (which keeps only hashes of those the
   * policy does not mark `record_params`). Never log this object as is.
   */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly ruleId?: string;
  /** Verbatim clause name, text and source pointer, on deny / approval_needed. */
  readonly clause?: { readonly name: string; readonly text: string; readonly source: string };
  /** A precise, agent-safe explanation (e.g. which chain rule failed). Never a secret. */
  readonly reason?: string;
  /**
   * approval_needed: the approval to wait for. allow: the approval whose override token or
   * break-glass grant let this call through (see `liftedBy`).
   */
  readonly approvalId?: string;
  readonly statusUrl?: string;
  /** approval_needed: when the pending approval expires (ms since the epoch). */
  readonly approvalExpiresAt?: number;
  /** Set when an approval_needed outcome was lifted: by a single-use override token or a break-glass grant. */
  readonly liftedBy?: 'override' | 'break_glass';
  /** Header / query changes for allow (identity headers are added by the builder) and sanitize. */
  readonly changes?: RequestChanges;
  /**
   * Agent-sent headers and query params the upstream must not see (client `x-dutygate-*`,
   * headers a rule may set, stripped method overrides); `changes` that set a name win.
   */
  readonly strip?: { readonly headers: readonly string[]; readonly query: readonly string[] };
  readonly shadow: boolean;
  readonly wouldBlock: boolean;
  /** Shadow only: the code the real decision would have blocked with. */
  readonly wouldBlockCode?: Code;
}
