import type { Code } from '../errors.js';
import type { DecisionKind, LedgerEntry } from '../policy/types.js';

/** One `policy test` case, normalised from the cases file (defaults merged, request built). */
export interface PolicyCase {
  readonly name: string;
  /**
   * Why this case is judged by the policy engine alone (`engine_only: <why>`), e.g. an identity
   * the gate's chain check refuses before policy; undefined for a case run through the gate.
   */
  readonly engineOnly?: string;
  /** Where the case starts in its file (for failure messages and JUnit). */
  readonly line: number;
  readonly agent: CaseAgent;
  readonly request: CaseRequest;
  /** Duty-ledger entries recorded before this call (by other agents or earlier steps). */
  readonly ledger: readonly LedgerEntry[];
  /** Retry with a valid override token once a human approved this exact call (docs/design.md §6). */
  readonly override: boolean;
  /** An approved break-glass grant for this agent is active. */
  readonly breakGlass: boolean;
  readonly expect: CaseExpectation;
}

/** The calling agent, as its verified token and attested chain present it. */
export interface CaseAgent {
  readonly id: string;
  readonly parentId?: string;
  /** Attested ancestors, root first, direct parent last (`[parent]` when only a parent is named). */
  readonly ancestors: readonly string[];
  readonly initiator?: string;
  /**
   * The name of the issuer that mints the agent's token and chain (docs/design.md §2); default:
   * the home issuer. Ids are `agent_id` claims: the gate spells the principal.
   */
  readonly issuer?: string;
}

/** The HTTP request the agent sends, as Envoy would describe it in the CheckRequest. */
export interface CaseRequest {
  readonly method: string;
  readonly host: string;
  readonly path: string;
  /** Without the `?`. */
  readonly query: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Body bytes as UTF-8 text; undefined for none. */
  readonly body?: string;
  readonly bodyTruncated: boolean;
}

/** What the outcome must be. Absent fields are not checked; `null` means "must be absent". */
export interface CaseExpectation {
  readonly decision: DecisionKind;
  readonly code?: Code;
  readonly tool?: string | null;
  readonly rule?: string | null;
  /** Clause name (`PAYMENT_LIMIT`). */
  readonly clause?: string | null;
  /** A substring of the agent-facing reason. */
  readonly reason?: string;
  readonly shadow?: boolean;
  readonly wouldBlock?: boolean;
  /** An approval_needed outcome let through by an override token or a break-glass grant. */
  readonly liftedBy?: 'override' | 'break_glass' | null;
  /** Shadow: the code the real decision would have had. */
  readonly shadowCode?: Code;
  readonly setHeaders?: Readonly<Record<string, string>>;
  readonly removeHeaders?: readonly string[];
  readonly setQuery?: Readonly<Record<string, string>>;
  readonly removeQuery?: readonly string[];
  /**
   * Engine details, judged by the policy engine beside the gate's answer (case-engine.ts): every
   * matched approval rule in policy order (`null`: none), the duty steps the call performs
   * (`duty/resource/step`), the ids of every rule whose target matched.
   */
  readonly approvals?: readonly { readonly rule: string; readonly approvers: readonly string[]; readonly quorum: number; readonly ttlMs: number }[] | null;
  readonly dutySteps?: readonly string[];
  readonly matchedRules?: readonly string[];
}

/** A loaded cases file. */
export interface CaseFile {
  readonly file: string;
  readonly cases: readonly PolicyCase[];
}
