/**
 * The part of protoc-gen-validate's rules (`(validate.rules)`, `(validate.required)`) that
 * Envoy's own config check applies and that a hand-written config can break: required
 * messages and oneofs, string lengths and header-name syntax, numeric and duration bounds,
 * repeated/map sizes, `const`. Rules not listed here are not checked (stated, not guessed).
 */
import type protobuf from 'protobufjs';

/** `(validate.rules)` of a field, merged from its parsed options: `{ string: { min_len: 1 } }`. */
export type PgvRules = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** The rules on `field`, or undefined. */
export function fieldRules(field: protobuf.Field): PgvRules | undefined {
  let rules: Record<string, Record<string, unknown>> | undefined;
  for (const option of (field.parsedOptions ?? []) as Record<string, unknown>[]) {
    const value = option['(validate.rules)'] as Record<string, Record<string, unknown>> | undefined;
    if (value === undefined) continue;
    rules ??= {};
    for (const [kind, body] of Object.entries(value)) rules[kind] = { ...rules[kind], ...body };
  }
  return rules;
}

/** True when a oneof carries `(validate.required) = true`: exactly one member must be set. */
export function oneofRequired(oneof: protobuf.OneOf): boolean {
  const parsed = (oneof.parsedOptions ?? []) as Record<string, unknown>[];
  return parsed.some((option) => option['(validate.required)'] === true) || oneof.options?.['(validate.required)'] === true;
}

/** True when an absent (message-typed) field is an error under `rules`. */
export function requiresPresence(rules: PgvRules | undefined): boolean {
  if (!rules) return false;
  return ['message', 'duration', 'timestamp', 'any'].some((kind) => rules[kind]?.required === true);
}

/** Checks a string value; returns the violated rule as a message, or undefined. */
export function checkStringRules(value: string, rules: PgvRules | undefined): string | undefined {
  const r = rules?.string;
  if (!r) return undefined;
  if (r.ignore_empty === true && value === '') return undefined;
  const chars = [...value].length;
  const bytes = Buffer.byteLength(value);
  if (typeof r.min_len === 'number' && chars < r.min_len) return `must be at least ${r.min_len} characters`;
  if (typeof r.max_len === 'number' && chars > r.max_len) return `must be at most ${r.max_len} characters`;
  if (typeof r.min_bytes === 'number' && bytes < r.min_bytes) return `must be at least ${r.min_bytes} bytes`;
  if (typeof r.max_bytes === 'number' && bytes > r.max_bytes) return `must be at most ${r.max_bytes} bytes`;
  if (typeof r.const === 'string' && value !== r.const) return `must be '${r.const}'`;
  if (typeof r.prefix === 'string' && !value.startsWith(r.prefix)) return `must start with '${r.prefix}'`;
  if (r.well_known_regex === 'HTTP_HEADER_NAME' && value !== '' && !HEADER_NAME.test(value)) return 'is not a valid HTTP header name';
  if (r.well_known_regex === 'HTTP_HEADER_VALUE' && !HEADER_VALUE.test(value)) return 'is not a valid HTTP header value';
  return undefined;
}

// RFC 9110 token, with an optional leading ':' for pseudo-headers (PGV's non-strict form).
const HEADER_NAME = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
const HEADER_VALUE = /^[^\0\r\n]*$/;

/** Checks a number (integer kinds as bigint) against `rules[kind]`; undefined when it passes. */
export function checkNumberRules(kind: string, value: number | bigint, rules: PgvRules | undefined): string | undefined {
  const r = rules?.[kind];
  if (!r) return undefined;
  if (r.ignore_empty === true && (value === 0 || value === 0n)) return undefined;
  const cmp = (bound: unknown) => compare(value, bound);
  if (r.const !== undefined && cmp(r.const) !== 0) return `must be ${show(r.const)}`;
  if (r.gt !== undefined && !(cmp(r.gt) > 0)) return `must be greater than ${show(r.gt)}`;
  if (r.gte !== undefined && !(cmp(r.gte) >= 0)) return `must be at least ${show(r.gte)}`;
  if (r.lt !== undefined && !(cmp(r.lt) < 0)) return `must be less than ${show(r.lt)}`;
  if (r.lte !== undefined && !(cmp(r.lte) <= 0)) return `must be at most ${show(r.lte)}`;
  if (Array.isArray(r.in) && !r.in.some((v) => cmp(v) === 0)) return `must be one of ${r.in.join(', ')}`;
  return undefined;
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

function compare(value: number | bigint, bound: unknown): number {
  if (typeof value === 'bigint') {
    const b = BigInt(String(bound));
    return value < b ? -1 : value > b ? 1 : 0;
  }
  const b = Number(bound);
  return value < b ? -1 : value > b ? 1 : 0;
}

/** Checks a bool against `rules.bool.const`. */
export function checkBoolRules(value: boolean, rules: PgvRules | undefined): string | undefined {
  const expected = rules?.bool?.const;
  return typeof expected === 'boolean' && value !== expected ? `must be ${expected}` : undefined;
}

/** Checks a duration (in nanoseconds) against `rules.duration`. */
export function checkDurationRules(nanos: bigint, rules: PgvRules | undefined): string | undefined {
  const r = rules?.duration;
  if (!r) return undefined;
  const bound = (key: string) => (r[key] === undefined ? undefined : durationNanos(r[key]));
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  if (gt !== undefined && !(nanos > gt)) return `must be longer than ${formatNanos(gt)}`;
  if (gte !== undefined && !(nanos >= gte)) return `must be at least ${formatNanos(gte)}`;
  if (lt !== undefined && !(nanos < lt)) return `must be shorter than ${formatNanos(lt)}`;
  if (lte !== undefined && !(nanos <= lte)) return `must be at most ${formatNanos(lte)}`;
  return undefined;
}

function durationNanos(value: unknown): bigint {
  const v = (value ?? {}) as { seconds?: number | string; nanos?: number };
  return BigInt(String(v.seconds ?? 0)) * 1_000_000_000n + BigInt(v.nanos ?? 0);
}

function formatNanos(nanos: bigint): string {
  return `${Number(nanos) / 1e9}s`;
}

/** Checks the size of a repeated field or a map. */
export function checkCountRules(kind: 'repeated' | 'map', count: number, rules: PgvRules | undefined): string | undefined {
  const r = rules?.[kind];
  if (!r) return undefined;
  if (r.ignore_empty === true && count === 0) return undefined;
  const [min, max, noun] = kind === 'repeated' ? ['min_items', 'max_items', 'items'] : ['min_pairs', 'max_pairs', 'entries'];
  if (typeof r[min] === 'number' && count < r[min]) return `needs at least ${r[min]} ${noun}`;
  if (typeof r[max] === 'number' && count > r[max]) return `allows at most ${r[max]} ${noun}`;
  return undefined;
}

/** The element rules of a repeated field (`repeated.items`), as field rules. */
export function itemRules(rules: PgvRules | undefined): PgvRules | undefined {
  return rules?.repeated?.items as PgvRules | undefined;
}
