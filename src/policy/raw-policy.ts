import type { ConditionSpec } from './conditions.js';
import type { DistinctBy } from './types.js';

/**
 * The shape of a policy file once it passed `POLICY_SCHEMA`: what the YAML says, before names
 * are resolved and matchers compiled. Only the compiler reads it.
 */

export interface RawTool {
  readonly name: string;
  readonly protocol?: 'http' | 'mcp';
  readonly match: { readonly method?: string; readonly host?: string; readonly path: string };
  readonly record_params?: readonly string[];
  readonly params?: { readonly allowed?: readonly string[]; readonly schema?: unknown };
}

export interface RawDuty {
  /** `{ param, pattern }` or `{ param, type: integer }` (checked by compileResourceRule). */
  readonly resource: unknown;
  readonly steps: Readonly<Record<string, readonly string[]>>;
  readonly distinct: readonly string[];
  readonly distinct_by?: DistinctBy;
  readonly clause?: string;
}

export interface RawRule {
  readonly id: string;
  readonly tools: readonly string[];
  readonly agents?: readonly string[];
  readonly parents?: readonly string[];
  readonly issuers?: readonly string[];
  readonly params?: Readonly<Record<string, ConditionSpec>>;
  readonly require?: { readonly parent_agent_id?: boolean; readonly different_agent_id?: boolean; readonly duty?: string };
  readonly effect: 'allow' | 'deny' | 'approval_needed';
  readonly clause?: string;
  readonly approval?: {
    readonly approvers: readonly string[];
    readonly quorum?: number;
    readonly ttl?: string;
    readonly mask?: readonly string[];
    readonly require_reason?: 'approve' | 'deny' | 'both' | 'none';
    readonly remind_after?: string;
    readonly escalate_after?: string;
    readonly escalate_to?: readonly string[];
  };
  readonly sanitize?: {
    readonly remove_headers?: readonly string[];
    readonly set_headers?: Readonly<Record<string, string>>;
    readonly remove_query?: readonly string[];
    readonly set_query?: Readonly<Record<string, string>>;
  };
  readonly mode?: 'enforce' | 'shadow';
}

export interface RawPolicy {
  readonly version: string;
  readonly mode?: 'enforce' | 'shadow';
  readonly default?: 'deny' | 'allow';
  readonly clauses?: Readonly<Record<string, { readonly text: string }>>;
  readonly tools?: readonly RawTool[];
  readonly duties?: Readonly<Record<string, RawDuty>>;
  readonly rules: readonly RawRule[];
  readonly break_glass?: { readonly approvers: readonly string[]; readonly quorum?: number; readonly max_ttl?: string; readonly request_ttl?: string };
}
