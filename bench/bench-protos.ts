/**
 * dutygate's ext_authz protos, loaded with exactly the options the gate uses
 * (`PROTO_LOADER_OPTIONS` from src/authz/load-protos.ts), so the floor server decodes requests
 * the way the gate does and the client encodes them the way Envoy's wire format has them.
 * Only `includeDirs` differs: the compiled bench does not sit where `src/authz/` expects proto/.
 */
import { loadSync } from '@grpc/proto-loader';
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import { AUTHORIZATION_SERVICE, PROTO_LOADER_OPTIONS } from '../src/authz/load-protos.js';
import type { WireCheckRequest, WireCheckResponse } from '../src/authz/wire-types.js';
import { PROTO_DIR } from './repo-paths.js';

/** The gRPC path of Check, as Envoy calls it. */
export const CHECK_PATH = `/${AUTHORIZATION_SERVICE}/Check`;

/** The loaded Authorization service and its Check method's codecs. */
export interface BenchProtos {
  readonly authorization: ServiceDefinition;
  readonly check: MethodDefinition<WireCheckRequest, WireCheckResponse, WireCheckRequest, WireCheckResponse>;
}

let loaded: BenchProtos | undefined;

/** Loads the protos once per process. */
export function loadBenchProtos(): BenchProtos {
  if (loaded) return loaded;
  const definition = loadSync(['envoy/service/auth/v3/external_auth.proto'], { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
  const authorization = definition[AUTHORIZATION_SERVICE] as ServiceDefinition | undefined;
  const check = authorization?.['Check'];
  if (!authorization || !check) throw new Error(`bench: proto/ does not define ${AUTHORIZATION_SERVICE}/Check`);
  loaded = { authorization, check: check as BenchProtos['check'] };
  return loaded;
}
