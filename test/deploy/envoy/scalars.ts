/**
 * Proto3 JSON mapping of scalars and of the well-known types with a special JSON form
 * (https://protobuf.dev/programming-guides/json/), as Envoy reads YAML: YAML → JSON → proto.
 * Each function returns a problem as a message, or undefined when the value is acceptable.
 */

const INT32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const UINT32 = { min: 0n, max: 2n ** 32n - 1n };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };

const INTEGER_RANGES: Readonly<Record<string, { min: bigint; max: bigint }>> = {
  int32: INT32,
  sint32: INT32,
  sfixed32: INT32,
  uint32: UINT32,
  fixed32: UINT32,
  int64: INT64,
  sint64: INT64,
  sfixed64: INT64,
  uint64: UINT64,
  fixed64: UINT64,
};

/** The scalar kinds of proto3. */
export const SCALAR_KINDS: ReadonlySet<string> = new Set([...Object.keys(INTEGER_RANGES), 'double', 'float', 'bool', 'string', 'bytes']);

/** A scalar value read from YAML, typed for rule checks. */
export type ScalarValue =
  | { readonly ok: true; readonly kind: 'integer'; readonly value: bigint }
  | { readonly ok: true; readonly kind: 'number'; readonly value: number }
  | { readonly ok: true; readonly kind: 'string' | 'bytes'; readonly value: string }
  | { readonly ok: true; readonly kind: 'bool'; readonly value: boolean }
  | { readonly ok: false; readonly message: string };

/** Reads `value` as the proto scalar `type` the way a proto3 JSON parser would. */
export function readScalar(type: string, value: unknown): ScalarValue {
  const range = INTEGER_RANGES[type];
  if (range) {
    // JSON numbers or decimal strings; YAML gives numbers.
    let n: bigint | undefined;
    if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
    else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = BigInt(value);
    if (n === undefined) return { ok: false, message: `expected an integer (${type}), got ${describe(value)}` };
    if (n < range.min || n > range.max) return { ok: false, message: `${n} is out of range for ${type}` };
    return { ok: true, kind: 'integer', value: n };
  }
  switch (type) {
    case 'double':
    case 'float':
      if (typeof value === 'number') return { ok: true, kind: 'number', value };
      if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return { ok: true, kind: 'number', value: Number(value) };
      return { ok: false, message: `expected a number (${type}), got ${describe(value)}` };
    case 'bool':
      return typeof value === 'boolean' ? { ok: true, kind: 'bool', value } : { ok: false, message: `expected true or false, got ${describe(value)}` };
    case 'string':
      return typeof value === 'string' ? { ok: true, kind: 'string', value } : { ok: false, message: `expected a string, got ${describe(value)}` };
    case 'bytes':
      return typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value)
        ? { ok: true, kind: 'bytes', value }
        : { ok: false, message: `expected base64 bytes, got ${describe(value)}` };
    default:
      return { ok: false, message: `unknown scalar type ${type}` };
  }
}

/** Wrapper message → the scalar type of its `value`. */
export const WRAPPERS: Readonly<Record<string, string>> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const MAX_DURATION_SECONDS = 315_576_000_000n;

/** Reads a `google.protobuf.Duration` JSON value (`"0.25s"`) into nanoseconds. */
export function readDuration(value: unknown): { ok: true; nanos: bigint } | { ok: false; message: string } {
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  if (!match) return { ok: false, message: `expected a duration string such as "0.25s" or "15s", got ${describe(value)}` };
  const seconds = BigInt(match[2]!);
  if (seconds > MAX_DURATION_SECONDS) return { ok: false, message: `duration ${String(value)} is out of range` };
  const nanos = seconds * 1_000_000_000n + BigInt((match[3] ?? '').padEnd(9, '0'));
  return { ok: true, nanos: match[1] ? -nanos : nanos };
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** Checks a `google.protobuf.Timestamp` JSON value (RFC 3339). */
export function checkTimestamp(value: unknown): string | undefined {
  return typeof value === 'string' && TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value))
    ? undefined
    : `expected an RFC 3339 timestamp, got ${describe(value)}`;
}

/** Checks a `google.protobuf.Value` JSON value: any JSON, but no non-finite numbers. */
export function checkJsonValue(value: unknown): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'a Struct value cannot be a non-finite number';
  if (Array.isArray(value)) return value.map(checkJsonValue).find((m) => m !== undefined);
  if (typeof value === 'object') return Object.values(value).map(checkJsonValue).find((m) => m !== undefined);
  return `not a JSON value: ${describe(value)}`;
}

/** A short description of a YAML value for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null (an empty YAML value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** True for a plain mapping (not a list, not null). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
