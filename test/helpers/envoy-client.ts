/**
 * An ext_authz client that speaks Envoy's OFFICIAL protos (vendored by @grpc/grpc-js-xds), so
 * tests prove dutygate's own proto/ is wire-compatible with what Envoy sends and reads.
 * Shared by the gRPC integration tests and the end-to-end tests of the whole gate.
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { credentials, makeClientConstructor, Metadata } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/proto-loader';

// Resolved through node's module lookup, so the helpers also work compiled (the campaign runs
// them from dist-campaign/).
const DEPS = join(dirname(createRequire(import.meta.url).resolve('@grpc/grpc-js-xds/package.json')), 'deps') + sep;

/** Include dirs for Envoy's API protos and what they import. */
export const ENVOY_PROTO_INCLUDE_DIRS: readonly string[] = ['envoy-api', 'googleapis', 'xds', 'protoc-gen-validate'].map(
  (dir) => DEPS + dir,
);

const definition = loadSync('envoy/service/auth/v3/external_auth.proto', {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  // Decoded responses show every field (empty lists, 0 status) so tests can compare exactly.
  defaults: true,
  oneofs: true,
  includeDirs: [...ENVOY_PROTO_INCLUDE_DIRS],
});

// `envoy.type.v3.StatusCode` name → number (the HTTP status), read from the official enum.
const statusEnum = definition['envoy.type.v3.StatusCode']!.type as { value: { name: string; number: number }[] };
const statusNumbers = new Map<string, number>(statusEnum.value.map((v) => [v.name, v.number]));
const Authorization = makeClientConstructor(
  definition['envoy.service.auth.v3.Authorization'] as ServiceDefinition,
  'envoy.service.auth.v3.Authorization',
);

/** A request the way the agent sent it to its Envoy sidecar. */
export interface EnvoyRequestSpec {
  /** Default `GET`. */
  method?: string;
  /** `:authority`; default `tools.internal`. */
  host?: string;
  /** Request target, query string included; default `/`. */
  path?: string;
  /** Default `http`. */
  scheme?: string;
  /** Header lines; an array is a header repeated on several lines. */
  headers?: Record<string, string | readonly string[]>;
  body?: string | Uint8Array;
  /** Envoy `encode_raw_headers: true`: `header_map` with `raw_value` bytes, repeats not merged. */
  rawHeaders?: boolean;
  /** Envoy `with_request_body.pack_as_bytes: true`: `raw_body` instead of `body`. */
  rawBody?: boolean;
  /** Envoy cut the body at `max_request_bytes` (`allow_partial_message`). */
  partialBody?: boolean;
  /** Route `typed_per_filter_config` `check_settings.context_extensions`. */
  contextExtensions?: Record<string, string>;
  source?: EnvoyPeer;
  destination?: EnvoyPeer;
  /** `x-request-id`; default a fixed test id. */
  requestId?: string;
}

/** A TCP peer of the checked request. */
export interface EnvoyPeer {
  address: string;
  port: number;
  principal?: string;
}

/** A decoded `envoy.service.auth.v3.CheckResponse` (official protos, all defaults present). */
export interface CheckResponse {
  status: { code: number; message: string; details: unknown[] };
  http_response?: 'ok_response' | 'denied_response';
  ok_response?: {
    headers: HeaderValueOption[];
    headers_to_remove: string[];
    response_headers_to_add: HeaderValueOption[];
    query_parameters_to_set: { key: string; value: string }[];
    query_parameters_to_remove: string[];
  };
  denied_response?: { status: { code: string } | null; headers: HeaderValueOption[]; body: string };
  dynamic_metadata: { fields: Record<string, StructValue> } | null;
}

/** A decoded `envoy.config.core.v3.HeaderValueOption`. */
export interface HeaderValueOption {
  header: { key: string; value: string; raw_value: Buffer };
  append: { value: boolean } | null;
  append_action: string;
  keep_empty_value: boolean;
}

type StructValue = { kind?: string } & Record<string, unknown>;

/** Builds a CheckRequest as Envoy's ext_authz filter would for `spec`. */
export function buildCheckRequest(spec: EnvoyRequestSpec = {}): Record<string, unknown> {
  const method = spec.method ?? 'GET';
  const host = spec.host ?? 'tools.internal';
  const path = spec.path ?? '/';
  const scheme = spec.scheme ?? 'http';
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body, 'utf8') : spec.body && Buffer.from(spec.body);

  // Envoy's header map: pseudo-headers first, lower-cased names, x-request-id added.
  const lines: [string, string][] = [
    [':authority', host],
    [':path', path],
    [':method', method],
    [':scheme', scheme],
  ];
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    for (const v of typeof value === 'string' ? [value] : value) lines.push([name.toLowerCase(), v]);
  }
  if (body && !lines.some(([n]) => n === 'content-length')) lines.push(['content-length', String(body.length)]);
  lines.push(['x-request-id', spec.requestId ?? '9f2d4c1e-0000-4000-8000-000000000001']);
  if (body) lines.push(['x-envoy-auth-partial-body', spec.partialBody ? 'true' : 'false']);

  const http: Record<string, unknown> = {
    id: '1234567890',
    method,
    path,
    host,
    scheme,
    size: String(body ? body.length : -1),
    protocol: 'HTTP/1.1',
  };
  if (spec.rawHeaders) {
    http.header_map = { headers: lines.map(([key, value]) => ({ key, raw_value: Buffer.from(value, 'utf8') })) };
  } else {
    const merged: Record<string, string> = {};
    for (const [key, value] of lines) merged[key] = key in merged ? `${merged[key]},${value}` : value;
    http.headers = merged;
  }
  if (body) {
    if (spec.rawBody) http.raw_body = body;
    else http.body = body.toString('utf8');
  }
  return {
    attributes: {
      source: peer(spec.source ?? { address: '10.0.0.7', port: 51234 }),
      destination: peer(spec.destination ?? { address: '10.0.0.9', port: 8080 }),
      request: { time: { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 }, http },
      context_extensions: spec.contextExtensions ?? {},
    },
  };
}

function peer(p: EnvoyPeer): Record<string, unknown> {
  return {
    address: { socket_address: { address: p.address, port_value: p.port } },
    principal: p.principal ?? '',
  };
}

const checkMethod = (definition['envoy.service.auth.v3.Authorization'] as ServiceDefinition).Check!;

/** Encodes a CheckRequest object with Envoy's official protos (the bytes Envoy would send). */
export function encodeEnvoyCheckRequest(request: Record<string, unknown>): Buffer {
  return checkMethod.requestSerialize(request);
}

/** Decodes CheckResponse bytes with Envoy's official protos (what Envoy would read). */
export function decodeEnvoyCheckResponse(bytes: Buffer): CheckResponse {
  return checkMethod.responseDeserialize(bytes) as CheckResponse;
}

/** An Authorization client bound to one server. */
export interface EnvoyClient {
  /** Builds the CheckRequest for `spec` and sends it. */
  check(spec?: EnvoyRequestSpec, options?: CallOptions): Promise<CheckResponse>;
  /** Sends a CheckRequest object as is (for malformed or hand-made requests). */
  send(request: Record<string, unknown>, options?: CallOptions): Promise<CheckResponse>;
  close(): void;
}

/** Per-call options: deadline, and gRPC metadata such as the `traceparent` Envoy's tracer adds. */
export interface CallOptions {
  deadlineMs?: number;
  metadata?: Record<string, string>;
  /** Aborting it cancels the call: the client resets the stream, as Envoy does at its timeout. */
  signal?: AbortSignal;
}

function metadataOf(entries: Record<string, string> = {}): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
}

/** Connects an `envoy.service.auth.v3.Authorization` client to `address` (`host:port`). */
export function createEnvoyClient(address: string): EnvoyClient {
  const client = new Authorization(address, credentials.createInsecure());
  const send = (request: Record<string, unknown>, options: CallOptions = {}): Promise<CheckResponse> =>
    new Promise((resolve, reject) => {
      const call = client.Check!(
        request,
        metadataOf(options.metadata),
        { deadline: Date.now() + (options.deadlineMs ?? 5_000) },
        (error: ServiceError | null, response: CheckResponse) => (error ? reject(error) : resolve(response)),
      ) as { cancel(): void };
      options.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  return {
    check: (spec = {}, options) => send(buildCheckRequest(spec), options),
    send,
    close: () => client.close(),
  };
}

/** A CheckResponse flattened for assertions. */
export interface CheckSummary {
  /** `status.code` (0 allows). */
  grpcCode: number;
  /** HTTP status of `denied_response` (undefined on allow). */
  httpStatus: number | undefined;
  /** Header options by name: `ok_response.headers` or `denied_response.headers`. */
  headers: Record<string, { value: string; appendAction: string }>;
  headersToRemove: string[];
  /** `denied_response.body` parsed as JSON (undefined on allow). */
  body: Record<string, unknown> | undefined;
  /** `dynamic_metadata` as a plain object. */
  metadata: Record<string, unknown>;
}

/** Flattens a decoded CheckResponse. */
export function summarizeCheckResponse(response: CheckResponse): CheckSummary {
  const options = response.ok_response?.headers ?? response.denied_response?.headers ?? [];
  const headers: CheckSummary['headers'] = {};
  for (const o of options) headers[o.header.key] = { value: o.header.value, appendAction: o.append_action };
  const denied = response.denied_response;
  return {
    grpcCode: response.status.code,
    httpStatus: denied?.status ? statusNumbers.get(denied.status.code) : undefined,
    headers,
    headersToRemove: response.ok_response?.headers_to_remove ?? [],
    body: denied ? (JSON.parse(denied.body) as Record<string, unknown>) : undefined,
    metadata: structToObject(response.dynamic_metadata),
  };
}

/**
 * A decoded `google.protobuf.Struct` (with `oneofs: true`) → plain object. The well-known types
 * come from protobufjs' bundled definitions, so Value's members are camelCase (`stringValue`).
 */
export function structToObject(struct: { fields: Record<string, StructValue> } | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = valueToJs(value);
  return out;
}

function valueToJs(value: StructValue): unknown {
  switch (value.kind) {
    case 'nullValue':
      return null;
    case 'structValue':
      return structToObject(value.structValue as { fields: Record<string, StructValue> });
    case 'listValue':
      return (value.listValue as { values: StructValue[] }).values.map(valueToJs);
    default:
      return value.kind === undefined ? undefined : value[value.kind];
  }
}

/** True when `error` is a gRPC ServiceError with `code`. */
export function isServiceError(error: unknown, code?: number): error is ServiceError {
  return typeof error === 'object' && error !== null && 'code' in error && (code === undefined || Number((error as ServiceError).code) === code);
}
