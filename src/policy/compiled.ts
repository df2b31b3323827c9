import type { DeclaredParams } from './declared-params.js';
import type { PathTemplate } from './mapping/path-template.js';
import type { ParamCondition } from './conditions.js';
import type { NamePattern } from './glob.js';
import type { ResourceRule } from './resource-rule.js';
import type { ApprovalSpec, BreakGlassSpec, ClauseRef, DistinctBy, Effect, RequestChanges } from './types.js';

/**
 * The typed form a policy is compiled into once (docs/design.md §4). The request path reads only these
 * structs — regexes compiled, globs and path templates turned into matchers, rules indexed by
 * tool — never raw YAML.
 */

/** `enforce` blocks; `shadow` computes the real decision, records it, and lets the call through. */
export type Mode = 'enforce' | 'shadow';

/** A `tools:` entry. */
export interface CompiledTool {
  readonly name: string;
  readonly protocol: 'http' | 'mcp';
  /** Upper-case; undefined matches any method. */
  readonly method?: string;
  /** Lower-case; undefined matches any host. */
  readonly host?: string;
  readonly path: PathTemplate;
  /**
   * Top-level params whose raw values the audit record may carry (`record_params`; `*` for
   * all). Every other param is recorded only as a hash. Absent: none.
   */
  readonly recordParams?: readonly string[];
  /** Declared params (`params`): other keys, or params outside the schema, are refused. */
  readonly declaredParams?: DeclaredParams;
}

/** One `(duty, step)` a tool performs, with where its resource comes from. */
export interface DutyStepSpec {
  readonly duty: string;
  readonly step: string;
  readonly distinct: readonly string[];
  readonly distinctBy: DistinctBy;
  /** `true` when `step` is one of `distinct` (only those can conflict). */
  readonly isDistinct: boolean;
  /** How the resource is read and checked (`resource: { param, pattern | type }`). */
  readonly resource: ResourceRule;
  /** Quoted when the resource cannot be named (SOD_RESOURCE_INVALID). */
  readonly clause: ClauseRef;
}

/** A `duties:` entry. */
export interface CompiledDuty {
  readonly name: string;
  readonly resource: ResourceRule;
  readonly steps: readonly { readonly step: string; readonly tools: readonly NamePattern[] }[];
  readonly distinct: readonly string[];
  readonly distinctBy: DistinctBy;
  readonly clause: ClauseRef;
}

/** The clauses a failed `require` quotes, resolved once (rule clause → same-named clause → built-in). */
export interface RequireClauses {
  readonly CHAIN_REQUIRED: ClauseRef;
  readonly SOD_SAME_AGENT: ClauseRef;
  readonly SOD_DUTY_CONFLICT: ClauseRef;
}

/** A `rules:` entry. */
export interface CompiledRule {
  readonly id: string;
  /** Position in `rules:` (combining reports rules in policy order). */
  readonly index: number;
  /** `policy.yaml#/rules/3`. */
  readonly source: string;
  readonly tools: readonly NamePattern[];
  readonly agents?: readonly NamePattern[];
  readonly parents?: readonly NamePattern[];
  /** `issuers:` — names of `identity.issuers`; the calling agent's verifying issuer must be one. */
  readonly issuers?: ReadonlySet<string>;
  readonly params: readonly ParamCondition[];
  readonly require: {
    readonly parentAgentId: boolean;
    readonly differentAgentId: boolean;
    readonly duty?: string;
  };
  readonly requireClauses: RequireClauses;
  readonly effect: Effect;
  /** Required for deny / approval_needed (validation), optional for allow. */
  readonly clause?: ClauseRef;
  readonly approval?: ApprovalSpec;
  /** `sanitize` of an allow rule, normalised (header names lower-case). */
  readonly changes?: RequestChanges;
  /** The rule's `mode`, or the policy's when the rule has none. */
  readonly mode: Mode;
  /**
   * An UNKNOWN param condition (missing value, wrong type) makes the rule match. True for deny
   * and approval_needed rules (fail closed), false for allow rules.
   */
  readonly failClosed: boolean;
}

/** A compiled, validated policy. Immutable; shared by concurrent checks. */
export interface CompiledPolicy {
  /** Source file path as given to the loader. */
  readonly file: string;
  /** `version` as written. */
  readonly version: string;
  /** First 12 hex of sha256 of the canonical policy. */
  readonly hash: string;
  /** `version + "+" + hash`, the `policy_version` reported everywhere. */
  readonly policyVersion: string;
  readonly mode: Mode;
  readonly default: 'allow' | 'deny';
  readonly clauses: ReadonlyMap<string, ClauseRef>;
  readonly tools: readonly CompiledTool[];
  /** Tools by upper-case method, each list in policy order and including any-method entries. */
  readonly toolsByMethod: ReadonlyMap<string, readonly CompiledTool[]>;
  /** Entries without `method`, for methods no entry names. */
  readonly toolsAnyMethod: readonly CompiledTool[];
  readonly duties: ReadonlyMap<string, CompiledDuty>;
  readonly rules: readonly CompiledRule[];
  /** Candidate rules for every tool name known at load time (HTTP tools, literal MCP names). */
  readonly rulesByTool: ReadonlyMap<string, readonly CompiledRule[]>;
  /** Rules with a wildcard tool pattern, checked for names only known at request time. */
  readonly wildcardRules: readonly CompiledRule[];
  /** Duty steps for every tool name known at load time. */
  readonly stepsByTool: ReadonlyMap<string, readonly DutyStepSpec[]>;
  /** Duty steps whose tool pattern has a wildcard, for names only known at request time. */
  readonly wildcardSteps: readonly { readonly pattern: NamePattern; readonly spec: DutyStepSpec }[];
  /** `break_glass`, when the policy allows break-glass grants at all. */
  readonly breakGlass?: BreakGlassSpec;
}
