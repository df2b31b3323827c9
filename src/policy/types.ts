import type { Code } from '../errors.js';

/** A rule's effect. */
export type Effect = 'allow' | 'deny' | 'approval_needed';

/** The decision kinds of docs/design.md §5. */
export type DecisionKind = 'allow' | 'sanitize' | 'deny' | 'approval_needed';

/** A request mapped to a tool (docs/design.md §3). */
export interface ToolCall {
  /** Tool name from the policy (`payments.create`), or `mcp:<name>`, `mcp.method:<m>`, `mcp.stream`. */
  readonly name: string;
  /** The `tools:` entry this call matched. */
  readonly entry: string;
  /** Path captures, then query, then JSON body / MCP `arguments` (later sources win). */
  readonly params: Readonly<Record<string, unknown>>;
  /** MCP: the JSON-RPC `id` of the request (or of the request a client's response answers), as a string. */
  readonly jsonrpcId?: string;
}

/** What `evaluate()` reads: everything already verified and mapped; no I/O, no clock. */
export interface EvaluationInput {
  readonly agent: {
    readonly id: string;
    readonly parentId?: string;
    readonly initiator?: string;
    /**
     * The name of the issuer that verified the agent (`identity.issuers[].name`), for rules'
     * `issuers:`. Unknown (e.g. a replayed record without it): such a rule's condition is
     * UNKNOWN, so an allow rule does not match and a deny rule does.
     */
    readonly issuer?: string;
    /** Attested ancestors' agent ids, root first, direct parent last (empty when none). */
    readonly ancestors: readonly string[];
  };
  readonly tool: ToolCall;
  /** Prior duty-ledger entries for the resources this call touches (see `dutyStepsFor`). */
  readonly ledger: readonly LedgerEntry[];
}

/**
 * Who counts as the same actor for a duty's distinct steps (issue 12 item 2): `lineage` (the
 * default) — the agent, every attested ancestor and the initiator, so an orchestrator cannot
 * draft through one child and approve through another; `agent` — the same agent only;
 * `initiator` — the same agent or the same human initiator.
 */
export type DistinctBy = 'lineage' | 'agent' | 'initiator';

/** One performed step of a duty on one resource (docs/design.md §4 `duties`). */
export interface LedgerEntry {
  readonly duty: string;
  readonly resource: string;
  readonly step: string;
  readonly agentId: string;
  readonly initiator?: string;
  /** The performer's attested ancestors, root first (absent when it had none). */
  readonly ancestors?: readonly string[];
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** A step this call would perform, to be committed to the ledger when the call is allowed. */
export interface DutyStep {
  readonly duty: string;
  readonly resource: string;
  readonly step: string;
  /** The duty's `distinct` steps: a conflict is another of these by the same actor. */
  readonly distinct: readonly string[];
  /** The duty's `distinct_by`; absent means `lineage`. */
  readonly distinctBy?: DistinctBy;
  /**
   * Whether a rule that let this call through requires this duty (`require: { duty }`): only
   * then does the ledger commit refuse a conflict; otherwise the step is just recorded.
   * Absent means enforced.
   */
  readonly enforced?: boolean;
}

/** A clause quoted verbatim on deny / approval_needed. */
export interface ClauseRef {
  readonly name: string;
  readonly text: string;
  /** Source pointer, e.g. `policy.yaml#/clauses/PAYMENT_LIMIT`. */
  readonly source: string;
}

/** Header and query changes of an allowed (sanitize) decision. */
export interface RequestChanges {
  readonly setHeaders: Readonly<Record<string, string>>;
  readonly removeHeaders: readonly string[];
  readonly setQuery: Readonly<Record<string, string>>;
  readonly removeQuery: readonly string[];
}

/** Approval parameters of an approval_needed decision. */
export interface ApprovalSpec {
  readonly approvers: readonly string[];
  readonly quorum: number;
  readonly ttlMs: number;
  /** Param paths (dotted) shown masked to approvers; absent when the rule lists none. */
  readonly mask?: readonly string[];
  /** Which votes must say why (issue 17 item 1; default `deny`). */
  readonly requireReason: ReasonRequirement;
  /** Remind the approvers who have not voted this long after the request, and again every interval. */
  readonly remindAfterMs?: number;
  /** Escalation (issue 17 item 2): from `afterMs` after the request, `to` may vote too. */
  readonly escalate?: { readonly afterMs: number; readonly to: readonly string[] };
}

/** `approval.require_reason`: which votes must carry a reason. */
export type ReasonRequirement = 'approve' | 'deny' | 'both' | 'none';

/**
 * One matched approval_needed rule of a decision (issue 12 item 3): its approvers and quorum must
 * each be met before an override lifts the call.
 */
export interface ApprovalRequirement extends ApprovalSpec {
  readonly ruleId: string;
  /** The rule's clause, quoted to its approvers. */
  readonly clause?: ClauseRef;
}

/**
 * The policy's `break_glass` section: who may approve a time-boxed grant that lets one agent
 * through approval_needed outcomes, how many of them (default 2), and for how long at most.
 */
export interface BreakGlassSpec {
  readonly approvers: readonly string[];
  readonly quorum: number;
  /** Longest grant that may be requested (default 1h). */
  readonly maxTtlMs: number;
  /** How long a request waits for its approvers (default 15m). */
  readonly requestTtlMs: number;
}

/** The result of `evaluate()`. */
export interface Decision {
  /** The decision to enforce (in shadow mode: `allow`/`sanitize` even when the real one blocks). */
  readonly kind: DecisionKind;
  /** `OK` when allowed (also in shadow); otherwise the reason code. */
  readonly code: Code;
  /** The rule that decided (absent for the policy default). */
  readonly ruleId?: string;
  /**
   * Verbatim rule text on every rule-made deny / approval_needed (absent for the policy default
   * and for refused requests); in shadow, the clause of the decision that would have blocked.
   */
  readonly clause?: ClauseRef;
  /** True when the deciding rule (or the policy) is in shadow mode. */
  readonly shadow: boolean;
  /** Shadow only: the real decision would have blocked (its code is in `shadowCode`). */
  readonly wouldBlock: boolean;
  /** Shadow only: the code and kind the real decision would have had. */
  readonly shadowCode?: Code;
  readonly shadowKind?: DecisionKind;
  readonly changes?: RequestChanges;
  /**
   * approval_needed only: every enforced approval_needed rule that matched, in policy order (the
   * deciding rule first). Each rule's approvers and quorum must be met (docs/design.md §6).
   */
  readonly approvals?: readonly ApprovalRequirement[];
  /**
   * Duty steps to commit to the ledger when the call is let through: set on allow / sanitize
   * (also in shadow) and on approval_needed (for when an override token lifts it); empty on deny.
   */
  readonly dutySteps: readonly DutyStep[];
  /**
   * A precise, agent-safe explanation of a deny or approval_needed (which requirement failed,
   * which param could not be judged); in shadow, of the decision that would have blocked.
   */
  readonly reason?: string;
  /** Ids of every rule whose target matched, in policy order (for the audit record). */
  readonly matchedRules: readonly string[];
}
