import { ISSUER_NAME_PATTERN } from '../lib/issuer-name.js';
import { parseDuration } from '../yaml/duration.js';
import { compileCondition, type ConditionSpec, type ParamCondition } from './conditions.js';
import type { CompiledDuty, CompiledRule, Mode, RequireClauses } from './compiled.js';
import { compileGlob, globError, type NamePattern } from './glob.js';
import { didYouMean, type KeyPath, type PolicyIssues } from './policy-issues.js';
import { superLinearRegexError } from './regex-safety.js';
import type { RawRule } from './raw-policy.js';
import { toolRefError, type ToolUniverse } from './tool-refs.js';
import type { ApprovalSpec, ClauseRef, RequestChanges } from './types.js';

/** Longest `regex` / `not_regex` accepted: param regexes run on every call (see evaluate). */
export const MAX_REGEX_LENGTH = 512;
const DEFAULT_APPROVAL_TTL_MS = 15 * 60_000;
/** `approval.require_reason` default: a Deny must say why (issue 17 item 1), an Approve need not. */
const DEFAULT_REQUIRE_REASON = 'deny';

/** What a rule is checked and compiled against. */
export interface RuleContext {
  readonly issues: PolicyIssues;
  readonly source: string;
  readonly policyMode: Mode;
  readonly clauses: ReadonlyMap<string, ClauseRef>;
  readonly duties: ReadonlyMap<string, CompiledDuty>;
  readonly universe: ToolUniverse;
  readonly builtinClauses: RequireClauses;
  /** The configured agent issuer names, when known (the gate, `policy validate --config`). */
  readonly knownIssuers?: readonly string[];
}

/**
 * Checks one rule's references and values (reporting every problem at its position) and
 * compiles it. Returns undefined when the rule has an issue; the policy is then refused anyway.
 */
export function compileRule(raw: RawRule, index: number, ctx: RuleContext): CompiledRule | undefined {
  const at: KeyPath = ['rules', index];
  const before = ctx.issues.list.length;
  const add = (path: KeyPath, message: string, hint?: string) => ctx.issues.add([...at, ...path], message, { hint });

  raw.tools.forEach((ref, i) => {
    const error = toolRefError(ref, ctx.universe);
    if (error) add(['tools', i], error.message, error.hint);
  });
  const agents = compileGlobs(raw.agents, ['agents'], add);
  const parents = compileGlobs(raw.parents, ['parents'], add);
  checkIssuerNames(raw.issuers, ctx.knownIssuers, add);
  const params = compileParams(raw.params ?? {}, add);

  let clause: ClauseRef | undefined;
  if (raw.clause !== undefined) {
    clause = ctx.clauses.get(raw.clause);
    if (!clause) add(['clause'], `unknown clause '${raw.clause}'`, didYouMean(raw.clause, ctx.clauses.keys()));
  } else if (raw.effect !== 'allow') {
    add(['effect'], `a rule with effect '${raw.effect}' needs a clause: the verbatim text quoted to the agent`);
  }

  const duty = raw.require?.duty;
  if (duty !== undefined) checkDuty(raw, duty, ctx, add);

  const approval = compileApproval(raw, add);
  if (raw.sanitize && raw.effect !== 'allow') add(['sanitize'], `sanitize applies to allow rules only, not '${raw.effect}'`);

  if (ctx.issues.list.length > before) return undefined;
  return {
    id: raw.id,
    index,
    source: `${ctx.source}#/rules/${index}`,
    tools: raw.tools.map(compileGlob),
    ...(agents ? { agents } : {}),
    ...(parents ? { parents } : {}),
    ...(raw.issuers ? { issuers: new Set(raw.issuers) } : {}),
    params,
    require: {
      parentAgentId: raw.require?.parent_agent_id === true,
      differentAgentId: raw.require?.different_agent_id === true,
      ...(duty === undefined ? {} : { duty }),
    },
    requireClauses: requireClauses(raw, clause, ctx),
    effect: raw.effect,
    ...(clause ? { clause } : {}),
    ...(approval ? { approval } : {}),
    ...(raw.sanitize ? { changes: compileChanges(raw.sanitize) } : {}),
    mode: raw.mode ?? ctx.policyMode,
    failClosed: raw.effect !== 'allow',
  };
}

type Add = (path: KeyPath, message: string, hint?: string) => void;

function compileGlobs(globs: readonly string[] | undefined, path: KeyPath, add: Add): NamePattern[] | undefined {
  if (!globs) return undefined;
  globs.forEach((glob, i) => {
    const error = globError(glob);
    if (error) add([...path, i], error);
  });
  return globs.map(compileGlob);
}

/**
 * `issuers:` names (docs/design.md §2): well-formed, and configured when the configuration is
 * known, so that a misspelt issuer is a validation error rather than a rule that never matches.
 */
function checkIssuerNames(names: readonly string[] | undefined, known: readonly string[] | undefined, add: Add): void {
  names?.forEach((name, i) => {
    if (!ISSUER_NAME_PATTERN.test(name)) {
      add(['issuers', i], `'${name}' is not an issuer name`, 'the name of an identity.issuers entry: a-z first, then a-z, 0-9, _ or -');
    } else if (known !== undefined && !known.includes(name)) {
      add(['issuers', i], `unknown issuer '${name}'`, didYouMean(name, known) ?? `configured issuers: ${known.join(', ')}`);
    }
  });
}

function compileParams(params: Readonly<Record<string, ConditionSpec>>, add: Add): ParamCondition[] {
  const out: ParamCondition[] = [];
  for (const [key, spec] of Object.entries(params)) {
    const path = ['params', key];
    if (key.split('.').some((part) => part === '')) add(path, `'${key}' is not a param path (names joined by '.')`);
    if (spec.eq !== undefined && !isScalar(spec.eq)) add([...path, 'eq'], 'must be a string, number or boolean');
    spec.in?.forEach((member, i) => {
      if (!isScalar(member)) add([...path, 'in', i], 'must be a string, number or boolean');
    });
    if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) add([...path, 'min'], `min ${spec.min} is above max ${spec.max}: the condition can never hold`);
    if (spec.gt !== undefined && spec.lt !== undefined && spec.gt >= spec.lt) add([...path, 'gt'], `gt ${spec.gt} is not below lt ${spec.lt}: the condition can never hold`);
    const regex = compileRegex(spec.regex, [...path, 'regex'], add);
    const notRegex = compileRegex(spec.not_regex, [...path, 'not_regex'], add);
    out.push(compileCondition(key, spec, { ...(regex ? { regex } : {}), ...(notRegex ? { notRegex } : {}) }));
  }
  return out;
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function compileRegex(source: string | undefined, path: KeyPath, add: Add): RegExp | undefined {
  if (source === undefined) return undefined;
  if (source.length > MAX_REGEX_LENGTH) {
    add(path, `regex is ${source.length} characters; the limit is ${MAX_REGEX_LENGTH}`);
    return undefined;
  }
  let regex: RegExp;
  try {
    // `u` for strict syntax (no silent identity escapes) and code-point semantics.
    regex = new RegExp(source, 'u');
  } catch (error) {
    add(path, `invalid regex: ${(error as Error).message}`);
    return undefined;
  }
  const superLinear = superLinearRegexError(source);
  if (superLinear !== undefined) {
    add(path, superLinear);
    return undefined;
  }
  return regex;
}

function checkDuty(raw: RawRule, duty: string, ctx: RuleContext, add: Add): void {
  const compiled = ctx.duties.get(duty);
  if (!compiled) {
    add(['require', 'duty'], `unknown duty '${duty}'`, didYouMean(duty, ctx.duties.keys()));
    return;
  }
  // A literal tool that performs no step of the duty would make `duty` a silent no-op.
  raw.tools.forEach((ref, i) => {
    if (ref.includes('*')) return;
    const performs = compiled.steps.some((step) => step.tools.some((pattern) => pattern.test(ref)));
    if (!performs) add(['tools', i], `tool '${ref}' performs no step of duty '${duty}'`);
  });
}

function compileApproval(raw: RawRule, add: Add): ApprovalSpec | undefined {
  const spec = raw.approval;
  if (raw.effect !== 'approval_needed') {
    if (spec) add(['approval'], `approval applies to effect 'approval_needed' only, not '${raw.effect}'`);
    return undefined;
  }
  if (!spec) {
    add(['effect'], "effect 'approval_needed' needs an approval: { approvers: [...] }");
    return undefined;
  }
  const quorum = spec.quorum ?? 1;
  if (quorum > spec.approvers.length) add(['approval', 'quorum'], `quorum ${quorum} exceeds the ${spec.approvers.length} approver(s) listed`);
  const ttlMs = spec.ttl === undefined ? DEFAULT_APPROVAL_TTL_MS : parseDuration(spec.ttl);
  if (ttlMs === undefined || ttlMs <= 0) {
    add(['approval', 'ttl'], `'${spec.ttl}' is not a positive duration such as 15m`);
    return undefined;
  }
  const followUps = compileFollowUps(spec, ttlMs, add);
  return { approvers: spec.approvers, quorum, ttlMs, ...(spec.mask ? { mask: spec.mask } : {}), requireReason: spec.require_reason ?? DEFAULT_REQUIRE_REASON, ...followUps };
}

/**
 * `remind_after`, `escalate_after` and `escalate_to` (issue 17 item 2). Each duration must fall
 * inside the approval's TTL — a reminder or escalation after expiry would never happen and
 * would hide that from the author — and escalation needs both halves.
 */
function compileFollowUps(spec: NonNullable<RawRule['approval']>, ttlMs: number, add: Add): Pick<ApprovalSpec, 'remindAfterMs' | 'escalate'> {
  const within = (key: 'remind_after' | 'escalate_after'): number | undefined => {
    const text = spec[key];
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      add(['approval', key], `'${text}' is not a positive duration such as 5m`);
      return undefined;
    }
    if (ms >= ttlMs) {
      add(['approval', key], `${key} ${text} is not shorter than the approval ttl (${spec.ttl ?? '15m'}): it would never happen`);
      return undefined;
    }
    return ms;
  };
  const remindAfterMs = within('remind_after');
  const escalateAfterMs = within('escalate_after');
  if (spec.escalate_after !== undefined && spec.escalate_to === undefined) add(['approval', 'escalate_after'], 'escalate_after needs escalate_to: [...] (who is asked next)');
  if (spec.escalate_to !== undefined && spec.escalate_after === undefined) add(['approval', 'escalate_to'], 'escalate_to needs escalate_after (when they are asked)');
  return {
    ...(remindAfterMs === undefined ? {} : { remindAfterMs }),
    ...(escalateAfterMs === undefined || spec.escalate_to === undefined ? {} : { escalate: { afterMs: escalateAfterMs, to: spec.escalate_to } }),
  };
}

function compileChanges(sanitize: NonNullable<RawRule['sanitize']>): RequestChanges {
  const setHeaders = Object.fromEntries(Object.entries(sanitize.set_headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const setQuery = Object.fromEntries(Object.entries(sanitize.set_query ?? {}));
  // What a rule sets it need not also remove; keeping both would leave the order to Envoy.
  return {
    setHeaders,
    removeHeaders: [...new Set((sanitize.remove_headers ?? []).map((name) => name.toLowerCase()))].filter((name) => !Object.hasOwn(setHeaders, name)),
    setQuery,
    removeQuery: [...new Set(sanitize.remove_query ?? [])].filter((name) => !Object.hasOwn(setQuery, name)),
  };
}

/**
 * The clause a failed `require` quotes. An allow rule's own clause exists for exactly that, so it
 * comes first; a deny / approval_needed rule's clause explains its effect (a payment limit, say),
 * not an SoD failure. Then a policy clause named after the code, then dutygate's built-in text.
 */
function requireClauses(raw: RawRule, clause: ClauseRef | undefined, ctx: RuleContext): RequireClauses {
  const own = raw.effect === 'allow' ? clause : undefined;
  const pick = (code: keyof RequireClauses): ClauseRef => own ?? ctx.clauses.get(code) ?? ctx.builtinClauses[code];
  return { CHAIN_REQUIRED: pick('CHAIN_REQUIRED'), SOD_SAME_AGENT: pick('SOD_SAME_AGENT'), SOD_DUTY_CONFLICT: pick('SOD_DUTY_CONFLICT') };
}
