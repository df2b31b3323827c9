import { resolveParam } from './conditions.js';
import { superLinearRegexError } from './regex-safety.js';
import type { KeyPath } from './policy-issues.js';

/**
 * How a duty names its resource (issue 12 item 1): one resource must be one ledger key. An
 * upstream that parses `042` and `+42` as 42, drops a Tomcat `;jsessionid` path parameter, or
 * compares ids case-insensitively or with PAD SPACE sees one row where a raw string ledger sees
 * five, so the drafter could approve their own draft. Each duty therefore declares either a
 * `pattern` the whole resource must match, or a canonical `type`, and a call whose resource does
 * not fit is denied (SOD_RESOURCE_INVALID) — never left unrecorded.
 */
export type ResourceRule =
  | { readonly kind: 'pattern'; readonly path: readonly string[]; readonly expr: string; readonly regex: RegExp }
  | { readonly kind: 'integer'; readonly path: readonly string[]; readonly expr: string };

/** The YAML form: `{ param: payment_id, pattern: "^pay_[a-z0-9]{1,32}$" }` or `{ param: id, type: integer }`. */
export interface RawResourceRule {
  readonly param?: unknown;
  readonly pattern?: unknown;
  readonly type?: unknown;
  readonly [other: string]: unknown;
}

/** Longest resource pattern accepted (it runs on every duty step). */
const MAX_PATTERN_LENGTH = 512;
const PARAM = /^[^.\s]+(?:\.[^.\s]+)*$/;
/** Decimal, no sign, no leading zeros (RFC 8259 int without the minus). */
const CANONICAL_INTEGER = /^(?:0|[1-9][0-9]{0,15})$/;

/** How to write a resource rule, for hints. */
export const RESOURCE_EXAMPLE = 'resource: { param: payment_id, pattern: "^pay_[a-z0-9]{1,32}$" } (a regex every valid id matches, nothing else) or resource: { param: payment_id, type: integer }';
const EXAMPLE = `write ${RESOURCE_EXAMPLE}`;

/**
 * Checks and compiles a duty's `resource` (reporting each problem at its key path, relative to
 * the duty). Returns undefined when it is not a valid rule.
 */
export function compileResourceRule(raw: unknown, add: (path: KeyPath, message: string, hint?: string) => void): ResourceRule | undefined {
  if (typeof raw === 'string') {
    // The pre-issue-12 form `params.payment_id` named the param but not its shape: refused, so an
    // upgrade cannot silently keep the bypass.
    const param = raw.startsWith('params.') ? raw.slice('params.'.length) : raw;
    add(['resource'], `'${raw}' names a param but not how the resource is spelled; a duty needs a resource rule`, `write resource: { param: ${param}, pattern: "^…$" } (a regex every valid id matches, nothing else) or resource: { param: ${param}, type: integer }`);
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    add(['resource'], 'resource must be a map with param and pattern (or type)', EXAMPLE);
    return undefined;
  }
  const rule = raw as RawResourceRule;
  let ok = true;
  for (const key of Object.keys(rule)) {
    if (key !== 'param' && key !== 'pattern' && key !== 'type') {
      add(['resource', key], `unknown key '${key}' in a resource rule (param, pattern, type)`);
      ok = false;
    }
  }
  if (typeof rule.param !== 'string' || !PARAM.test(rule.param) || rule.param.startsWith('params.')) {
    add(['resource', ...(rule.param === undefined ? [] : ['param'])], 'resource.param must name a param, e.g. payment_id (dotted paths such as ticket.id allowed, no params. prefix)');
    ok = false;
  }
  if ((rule.pattern === undefined) === (rule.type === undefined)) {
    add(['resource'], 'a resource rule needs exactly one of pattern or type', EXAMPLE);
    return undefined;
  }
  if (rule.type !== undefined) {
    if (rule.type !== 'integer') {
      add(['resource', 'type'], `unknown resource type ${JSON.stringify(rule.type)}; the only type is integer`);
      return undefined;
    }
    return ok ? { kind: 'integer', path: (rule.param as string).split('.'), expr: `params.${rule.param as string}` } : undefined;
  }
  const regex = compilePattern(rule.pattern, (message, hint) => add(['resource', 'pattern'], message, hint));
  if (!regex || !ok) return undefined;
  return { kind: 'pattern', path: (rule.param as string).split('.'), expr: `params.${rule.param as string}`, regex };
}

function compilePattern(source: unknown, add: (message: string, hint?: string) => void): RegExp | undefined {
  if (typeof source !== 'string' || source === '') {
    add('pattern must be a non-empty regular expression');
    return undefined;
  }
  if (source.length > MAX_PATTERN_LENGTH) {
    add(`pattern is ${source.length} characters; the limit is ${MAX_PATTERN_LENGTH}`);
    return undefined;
  }
  let regex: RegExp;
  try {
    // Whole-value match whatever the author anchored: `pay_1;x` must not pass `pay_[0-9]+`.
    regex = new RegExp(`^(?:${source})$`, 'u');
  } catch (error) {
    add(`invalid regex: ${(error as Error).message}`);
    return undefined;
  }
  if (regex.test('')) {
    add('pattern matches the empty string; a resource id must not be empty');
    return undefined;
  }
  // It runs on agent-controlled params, like rule regexes (issue 13 item 3).
  const slow = superLinearRegexError(regex.source);
  if (slow) {
    add(slow);
    return undefined;
  }
  return regex;
}

/** A call's resource under `rule`: the ledger key, or why it cannot be one. */
export type ResourceResult = { readonly ok: true; readonly resource: string } | { readonly ok: false; readonly reason: string };

/**
 * Reads and checks the resource of one call. Missing, not a scalar (an array from a repeated
 * query key, an object), outside the pattern, or not a canonical safe integer → not ok.
 */
export function resolveResource(rule: ResourceRule, params: Readonly<Record<string, unknown>>): ResourceResult {
  const value = resolveParam(params, rule.path);
  if (value === undefined) return { ok: false, reason: `${rule.expr} is missing` };
  if (Array.isArray(value)) return { ok: false, reason: `${rule.expr} is given more than once` };
  if (rule.kind === 'integer') return integerResource(rule, value);
  if (typeof value !== 'string') return { ok: false, reason: `${rule.expr} is not a string` };
  if (!rule.regex.test(value)) return { ok: false, reason: `${rule.expr} does not match the duty's resource pattern` };
  return { ok: true, resource: value };
}

function integerResource(rule: ResourceRule, value: unknown): ResourceResult {
  const bad = { ok: false, reason: `${rule.expr} is not a canonical integer (decimal digits, no sign, no leading zeros, at most 2^53 - 1)` } as const;
  if (typeof value === 'number') {
    // JSON 42, 42.0 and 4.2e1 are one number once parsed; anything past 2^53 has already been rounded.
    return Number.isSafeInteger(value) && value >= 0 ? { ok: true, resource: String(value) } : bad;
  }
  if (typeof value !== 'string' || !CANONICAL_INTEGER.test(value) || !Number.isSafeInteger(Number(value))) return bad;
  return { ok: true, resource: value };
}
