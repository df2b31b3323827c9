import type { Code } from '../errors.js';
import type { DecisionKind } from '../policy/types.js';

/**
 * The decision log format: one JSON object per line, one line per Check (`type: "decision"`)
 * and per approval event (`type: "approval"`), each a link of the tamper-evident audit chain.
 *
 * Conventions, so that consumers (`dutygate audit verify`, `policy dry-run`, `shadow-report`,
 * log pipelines) can rely on them:
 * - every field listed is always present; "not known" is `null`, never a missing key;
 * - keys are snake_case; times are RFC 3339 UTC with milliseconds (`2026-11-21T10:00:00.000Z`);
 * - `v` is the format version; a consumer must refuse a record whose `v` it does not know;
 * - `audit` is the chain stamp. The hashed content is the canonical JSON (keys sorted at every
 *   level, no whitespace; see {@link canonicalRecord}) of the record **without** `audit`, so a
 *   line can be re-hashed after a JSON round-trip;
 * - param values are recorded raw only for params the policy marks safe (`record_params` on a
 *   `tools:` entry); every other param appears only as a sha256 in `params_hashed`. Tokens,
 *   chain links, override tokens and request headers are never recorded.
 */

/** The record format version this build writes and reads. */
export const DECISION_RECORD_VERSION = 1;

/** The chain stamp of one record (see `AuditLink` in src/state/approval-record.ts). */
export interface AuditStamp {
  /** 1, 2, 3 … per chain, no gaps; one chain across all replicas sharing the state store. */
  readonly seq: number;
  /** hex sha256(prev_hash + "\n" + canonical record without `audit`). */
  readonly hash: string;
  /** The previous record's `hash`; 64 zeros for seq 1. */
  readonly prev_hash: string;
}

/** One Check, as decided and enforced. */
export interface DecisionRecord {
  readonly v: typeof DECISION_RECORD_VERSION;
  readonly type: 'decision';
  /** UUID v4; also in the response to Envoy (`x-dutygate-decision-id`) and on the span. */
  readonly decision_id: string;
  /** When the Check started (the `now` the pipeline judged token times against). */
  readonly time: string;
  /** From the verified agent token; null when the token was missing or did not verify. */
  readonly agent_id: string | null;
  readonly parent_agent_id: string | null;
  /** Attested ancestors' agent ids, root first, direct parent last; [] when none or unverified. */
  readonly chain: readonly string[];
  /** The human the workflow runs for (`initiator` claim, after `principals.aliases`). */
  readonly initiator: string | null;
  /** The agent token's `jti` (an id, not a credential). */
  readonly jti: string | null;
  /**
   * The checked request. `path` and `query` are privacy-reduced, see {@link RequestTarget}. All
   * empty for a request the transport could not parse (`REQUEST_MALFORMED`, `HEADERS_TOO_LARGE`).
   */
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly query: string;
  /** Tool name (`payments.create`, `mcp:<name>`, `mcp.method:<m>`, `mcp.stream`); null when unmapped. */
  readonly tool: string | null;
  /** The `tools:` entry the request matched (for MCP, the entry behind `mcp:<name>`). */
  readonly tool_entry: string | null;
  /** Raw values of the params the policy marks safe to record; null when unmapped. */
  readonly params: Readonly<Record<string, unknown>> | null;
  /** hex sha256 of the canonical JSON of each other param's value; null when unmapped. */
  readonly params_hashed: Readonly<Record<string, string>> | null;
  /**
   * hex sha256 of the canonical JSON of all params (raw): the same hash an approval and an
   * override token are bound to. Null when unmapped.
   */
  readonly params_hash: string | null;
  /** What was enforced: in shadow mode `allow`/`sanitize` even when the real decision blocks. */
  readonly decision: DecisionKind;
  /** Stable reason code (`OK` when allowed). */
  readonly code: Code;
  /** Agent-safe explanation of a deny (values of hashed params taken out); null on allow. */
  readonly reason: string | null;
  readonly rule_id: string | null;
  /** Clause name (its text and source are in the policy of `policy_version`). */
  readonly clause: string | null;
  /** `version+hash12`; null only when no policy was loaded. */
  readonly policy_version: string | null;
  readonly approval_id: string | null;
  /** True when a shadow-mode rule (or policy) decided. */
  readonly shadow: boolean;
  /** Shadow only: the real decision would have blocked, with this code. */
  readonly would_block: boolean;
  readonly would_block_code: Code | null;
  /** The `dutygate.check` span (absent tracing: null). */
  readonly trace_id: string | null;
  readonly span_id: string | null;
  /** Absent when the chain append failed (the line is still written; see the README). */
  readonly audit?: AuditStamp;
}

/** The approval lifecycle events that are audit records (and spans) of their own. */
export type ApprovalEventKind = 'created' | 'vote' | 'outcome' | 'override_redeemed' | 'break_glass_used' | 'reminded' | 'escalated';

/**
 * One approval event: created, an approver's vote, the outcome, an override redemption, a
 * break-glass use, a reminder or the escalation (issue 17 item 2; one record fleet-wide each).
 */
export interface ApprovalEventRecord {
  readonly v: typeof DECISION_RECORD_VERSION;
  readonly type: 'approval';
  readonly event: ApprovalEventKind;
  readonly approval_id: string;
  readonly time: string;
  /** The Check that raised the approval (`created`) or redeemed it (`override_redeemed`). */
  readonly decision_id: string | null;
  /** `call` or `break_glass`. */
  readonly approval_kind: 'call' | 'break_glass' | null;
  readonly agent_id: string | null;
  readonly initiator: string | null;
  readonly tool: string | null;
  readonly params_hash: string | null;
  readonly rule_id: string | null;
  readonly clause: string | null;
  readonly policy_version: string | null;
  /** `vote`: the approver (resolved principal), the vote and where it came from. */
  readonly principal: string | null;
  readonly vote: 'approve' | 'deny' | null;
  readonly via: 'slack' | 'api' | null;
  /** `created`/`outcome`: the approval's status (`pending`, `approved`, `denied`, `expired`). */
  readonly status: string | null;
  /** Free text given by an approver or a break-glass request. */
  readonly reason: string | null;
  /** The span of this event, and the check span it is linked to. */
  readonly trace_id: string | null;
  readonly span_id: string | null;
  readonly link_trace_id: string | null;
  readonly link_span_id: string | null;
  readonly audit?: AuditStamp;
}

/** Any line of the decision log. */
export type AuditRecord = DecisionRecord | ApprovalEventRecord;

/** What the decision log records of the request target (privacy-reduced). */
export interface RequestTarget {
  readonly method: string;
  readonly host: string;
  /**
   * The request path, with every path capture that is not safe to record replaced by its
   * template placeholder (`/payments/{payment_id}/approve`). A request that mapped to no tool
   * has no params, so its path is recorded as sent.
   */
  readonly path: string;
  /** The query string with every value that is not safe to record replaced by `{key}`. */
  readonly query: string;
}
