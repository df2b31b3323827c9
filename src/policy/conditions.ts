/**
 * `params` conditions of a rule, compiled once, judged per request with three-valued logic.
 *
 * A condition is TRUE, FALSE, or UNKNOWN when the value cannot be judged by its operator: the
 * param is missing, or its type does not fit (a string `"6000"` against `gt: 5000`, a number
 * against `regex`, an array from a repeated query key against `eq`). Nothing is coerced. The rule
 * decides what UNKNOWN means (see `CompiledRule.failClosed`): an allow rule does not match, a
 * deny or approval_needed rule does — so a type mismatch can never slip past a limit.
 * `exists` is never UNKNOWN; `{exists: true, gt: 5000}` opts out of fail-closed on absence.
 */

/** Three-valued truth. */
export type Truth = 0 | 1 | 2;
export const FALSE: Truth = 0;
export const TRUE: Truth = 1;
export const UNKNOWN: Truth = 2;

/** The operators of docs/design.md §4 and their YAML operands. */
export interface ConditionSpec {
  readonly eq?: string | number | boolean;
  readonly in?: readonly (string | number | boolean)[];
  readonly min?: number;
  readonly max?: number;
  readonly gt?: number;
  readonly lt?: number;
  readonly regex?: string;
  readonly not_regex?: string;
  readonly exists?: boolean;
}

/** One compiled `params` entry: a dotted param path and its operator checks (ANDed). */
export interface ParamCondition {
  /** As written (`recipient.country`). */
  readonly key: string;
  readonly path: readonly string[];
  readonly checks: readonly ((value: unknown) => Truth)[];
}

/** Compiles one entry; `regexes` holds the already-validated RegExps for `regex`/`not_regex`. */
export function compileCondition(key: string, spec: ConditionSpec, regexes: { regex?: RegExp; notRegex?: RegExp }): ParamCondition {
  const checks: ((value: unknown) => Truth)[] = [];
  if (spec.exists !== undefined) {
    const want = spec.exists;
    checks.push((value) => ((value !== undefined) === want ? TRUE : FALSE));
  }
  if (spec.eq !== undefined) {
    const operand = spec.eq;
    const type = typeof operand;
    checks.push((value) => (typeof value !== type ? UNKNOWN : value === operand ? TRUE : FALSE));
  }
  if (spec.in !== undefined) {
    const members = new Set<unknown>(spec.in);
    const types = new Set<string>(spec.in.map((member) => typeof member));
    checks.push((value) => (members.has(value) ? TRUE : types.has(typeof value) ? FALSE : UNKNOWN));
  }
  numeric(checks, spec.min, (v, bound) => v >= bound);
  numeric(checks, spec.max, (v, bound) => v <= bound);
  numeric(checks, spec.gt, (v, bound) => v > bound);
  numeric(checks, spec.lt, (v, bound) => v < bound);
  if (regexes.regex) {
    const regex = regexes.regex;
    checks.push((value) => (typeof value !== 'string' ? UNKNOWN : regex.test(value) ? TRUE : FALSE));
  }
  if (regexes.notRegex) {
    const regex = regexes.notRegex;
    checks.push((value) => (typeof value !== 'string' ? UNKNOWN : regex.test(value) ? FALSE : TRUE));
  }
  return { key, path: key.split('.'), checks };
}

function numeric(checks: ((value: unknown) => Truth)[], bound: number | undefined, compare: (value: number, bound: number) => boolean): void {
  if (bound === undefined) return;
  checks.push((value) => (typeof value !== 'number' || !Number.isFinite(value) ? UNKNOWN : compare(value, bound) ? TRUE : FALSE));
}

/** Judges all conditions (AND): FALSE wins over UNKNOWN, UNKNOWN over TRUE. */
export function judgeConditions(conditions: readonly ParamCondition[], params: Readonly<Record<string, unknown>>): Truth {
  let result: Truth = TRUE;
  for (const condition of conditions) {
    const value = resolveParam(params, condition.path);
    for (const check of condition.checks) {
      const truth = check(value);
      if (truth === FALSE) return FALSE;
      if (truth === UNKNOWN) result = UNKNOWN;
    }
  }
  return result;
}

/** The keys of the conditions that came out UNKNOWN, for the agent-facing reason. */
export function unknownConditions(conditions: readonly ParamCondition[], params: Readonly<Record<string, unknown>>): string[] {
  const keys: string[] = [];
  for (const condition of conditions) {
    const value = resolveParam(params, condition.path);
    if (condition.checks.some((check) => check(value) === UNKNOWN)) keys.push(condition.key);
  }
  return keys;
}

/**
 * Reads a dotted param path (`recipient.country`, `items.0.sku`) through own properties only, so
 * `constructor` or `__proto__` never resolve to something inherited.
 */
export function resolveParam(params: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let current: unknown = params;
  for (const part of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (Array.isArray(current)) {
      if (!/^(?:0|[1-9]\d*)$/.test(part)) return undefined;
      current = current[Number(part)];
    } else {
      if (!Object.hasOwn(current, part)) return undefined;
      current = (current as Record<string, unknown>)[part];
    }
  }
  return current;
}
