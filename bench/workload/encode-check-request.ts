/**
 * A direct protobuf encoder for the CheckRequests the bench sends. proto-loader's serializer
 * (`fromObject` + encode) costs over 100 µs per request on this machine, which would make
 * pre-building a few hundred thousand requests slow; this writes the same bytes for the fields
 * the bench uses. test/bench/encode-check-request.test.ts decodes its output with the gate's own
 * proto-loader codec and compares field by field.
 *
 * Field numbers: envoy/service/auth/v3/external_auth.proto, attribute_context.proto,
 * envoy/config/core/v3/address.proto, google/protobuf/timestamp.proto.
 */
import { Buffer } from 'node:buffer';

/** The CheckRequest fields the bench sets. */
export interface CheckRequestFields {
  readonly source: { readonly address: string; readonly port: number };
  readonly destination: { readonly address: string; readonly port: number };
  readonly timeMs: number;
  readonly http: {
    readonly id: string;
    readonly method: string;
    /** Envoy's `headers` map (lower-case names, pseudo-headers included), in insertion order. */
    readonly headers: Readonly<Record<string, string>>;
    readonly path: string;
    readonly host: string;
    readonly scheme: string;
    readonly size: number;
    readonly protocol: string;
    readonly body?: string;
  };
}

const LEN = 2;
const VARINT = 0;

/** Encodes `fields` as an `envoy.service.auth.v3.CheckRequest`. */
export function encodeCheckRequest(fields: CheckRequestFields): Buffer {
  const http = fields.http;
  const httpParts: Buffer[] = [str(1, http.id), str(2, http.method)];
  for (const key of Object.keys(http.headers)) {
    httpParts.push(message(3, [str(1, key), str(2, http.headers[key] as string)]));
  }
  httpParts.push(str(4, http.path), str(5, http.host), str(6, http.scheme), varintField(9, http.size), str(10, http.protocol));
  if (http.body !== undefined) httpParts.push(str(11, http.body));

  const seconds = Math.floor(fields.timeMs / 1000);
  const nanos = Math.round((fields.timeMs - seconds * 1000) * 1_000_000);
  const time = message(1, [varintField(1, seconds), varintField(2, nanos)]);
  const attributes = message(1, [
    peer(1, fields.source),
    peer(2, fields.destination),
    message(4, [time, message(2, httpParts)]),
  ]);
  return attributes;
}

/** `AttributeContext.Peer { address: Address { socket_address: SocketAddress } }`. */
function peer(field: number, where: { address: string; port: number }): Buffer {
  return message(field, [message(1, [message(1, [str(2, where.address), varintField(3, where.port)])])]);
}

function str(field: number, value: string): Buffer {
  if (value === '') return EMPTY;
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([tag(field, LEN), varint(bytes.length), bytes]);
}

function message(field: number, parts: readonly Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([tag(field, LEN), varint(body.length), body]);
}

function varintField(field: number, value: number): Buffer {
  if (value === 0) return EMPTY;
  return Buffer.concat([tag(field, VARINT), varint(value)]);
}

function tag(field: number, wireType: number): Buffer {
  return varint(field * 8 + wireType);
}

/** Non-negative integers below 2^53. */
function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

const EMPTY = Buffer.alloc(0);
