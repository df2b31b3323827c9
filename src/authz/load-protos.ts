import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import type { Options, ServiceDefinition } from '@grpc/proto-loader';

/**
 * The repo-root `proto/` folder. This module sits at `src/authz/` under vitest and at
 * `dist/authz/` once built, and `proto/` is a sibling of both, so the same relative URL works.
 */
export const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

/**
 * proto-loader options, chosen for the hot path and for exact bytes:
 * - `keepCase: true`: field names as in the .proto (`raw_body`, `header_map`), so the code reads
 *   like Envoy's docs and no name is converted on every message.
 * - `longs: String`: `HttpRequest.size` is int64; a string is lossless and needs no Long class.
 * - `enums: String`: enum fields decode to their names (`SERVING`). Encoding accepts names or
 *   numbers, so builders may pass HTTP statuses as plain numbers (403).
 * - `bytes: Buffer`: `raw_body` / `raw_value` stay as the received bytes (no base64 round trip).
 * - `defaults: false`: absent fields stay `undefined` instead of allocating empty strings, maps
 *   and arrays for every request; the parser treats `undefined` and empty alike.
 * - `oneofs: true`: a decoded oneof names its set member (`http_response: 'ok_response'`).
 */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: false,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/** Fully qualified names of the services dutygate serves. */
export const AUTHORIZATION_SERVICE = 'envoy.service.auth.v3.Authorization';
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** The service definitions dutygate registers on its gRPC server. */
export interface LoadedProtos {
  readonly authorization: ServiceDefinition;
  readonly health: ServiceDefinition;
}

let loaded: LoadedProtos | undefined;

/**
 * Loads dutygate's own protos (once per process; later calls return the same definitions).
 * Synchronous on purpose: it runs at start-up, before the server binds, never per request.
 */
export function loadProtos(): LoadedProtos {
  if (loaded) return loaded;
  const definition = loadSync(
    ['envoy/service/auth/v3/external_auth.proto', 'grpc/health/v1/health.proto'],
    PROTO_LOADER_OPTIONS,
  );
  loaded = {
    authorization: serviceOf(definition[AUTHORIZATION_SERVICE], AUTHORIZATION_SERVICE),
    health: serviceOf(definition[HEALTH_SERVICE], HEALTH_SERVICE),
  };
  return loaded;
}

function serviceOf(value: unknown, name: string): ServiceDefinition {
  // A service definition is a record of method definitions; messages and enums carry `format`.
  if (typeof value !== 'object' || value === null || 'format' in value) {
    throw new Error(`proto/ does not define the service ${name}`);
  }
  return value as ServiceDefinition;
}
