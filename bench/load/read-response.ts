/**
 * Reading CheckResponses. On the timed path only the gRPC-level `status.code` is read, straight
 * from the bytes (a few varints, no decoding of the rest); the verification pass decodes whole
 * responses with the gate's own proto-loader codec to learn the decision and reason code.
 */
import type { WireCheckResponse } from '../../src/authz/wire-types.js';
import { loadBenchProtos } from '../bench-protos.js';

/** Status code returned when the bytes are not a CheckResponse. */
export const UNREADABLE = 255;

/**
 * `CheckResponse.status.code` (field 1 → google.rpc.Status field 1) from the serialized bytes:
 * 0 when absent (proto3 default), {@link UNREADABLE} for malformed bytes.
 */
export function readStatusCode(bytes: Uint8Array): number {
  const status = findField(bytes, 0, bytes.length, 1);
  if (status === undefined) return 0;
  if (status === MALFORMED || status.wireType !== 2) return UNREADABLE;
  const code = findField(bytes, status.start, status.end, 1);
  if (code === undefined) return 0;
  return code !== MALFORMED && code.wireType === 0 ? code.value : UNREADABLE;
}

const MALFORMED = 'malformed';

interface Field {
  readonly wireType: number;
  /** LEN fields: the payload's bounds. */
  readonly start: number;
  readonly end: number;
  /** VARINT fields: the value. */
  readonly value: number;
}

/** The first occurrence of `field` between `start` and `end`; undefined when absent. */
function findField(bytes: Uint8Array, start: number, end: number, field: number): Field | typeof MALFORMED | undefined {
  let at = start;
  while (at < end) {
    const key = readVarint(bytes, at, end);
    if (key === undefined) return MALFORMED;
    at = key.next;
    const wireType = key.value & 7;
    const number = Math.floor(key.value / 8);
    if (wireType === 0) {
      const value = readVarint(bytes, at, end);
      if (value === undefined) return MALFORMED;
      if (number === field) return { wireType, start: at, end: value.next, value: value.value };
      at = value.next;
    } else if (wireType === 2) {
      const length = readVarint(bytes, at, end);
      if (length === undefined || length.next + length.value > end) return MALFORMED;
      if (number === field) return { wireType, start: length.next, end: length.next + length.value, value: 0 };
      at = length.next + length.value;
    } else if (wireType === 1 || wireType === 5) {
      at += wireType === 1 ? 8 : 4;
      if (at > end) return MALFORMED;
    } else {
      return MALFORMED;
    }
  }
  return undefined;
}

function readVarint(bytes: Uint8Array, start: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  // At most 10 bytes (a 64-bit varint); values above 2^53 lose precision, which status codes never reach.
  for (let at = start; at < end && at < start + 10; at++) {
    const byte = bytes[at] as number;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return { value, next: at + 1 };
  }
  return undefined;
}

/** The decision and reason code of a decoded response. */
export interface ResponseSummary {
  readonly status: number;
  /** `allow`, `sanitize`, `deny`, `approval_needed` from the gate's metadata (`allow`/`deny` for the floor). */
  readonly decision: string;
  readonly code: string;
}

/** Decodes a whole response (verification only: it costs what the gate's codec costs). */
export function summarizeResponse(bytes: Buffer): ResponseSummary {
  const response = loadBenchProtos().check.responseDeserialize(bytes) as Partial<WireCheckResponse> & { status?: { code?: number; message?: string } };
  const status = response.status?.code ?? 0;
  const fields = response.dynamic_metadata?.fields ?? {};
  const text = (name: string): string | undefined => {
    const value = fields[name] as { stringValue?: string } | undefined;
    return value?.stringValue;
  };
  return {
    status,
    decision: text('decision') ?? (status === 0 ? 'allow' : 'deny'),
    code: text('code') ?? response.status?.message ?? (status === 0 ? 'OK' : 'UNKNOWN'),
  };
}
