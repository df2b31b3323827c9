import { status as GrpcStatus } from '@grpc/grpc-js';
import type {
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
  sendUnaryData,
} from '@grpc/grpc-js';
import { AUTHORIZATION_SERVICE } from '../authz/load-protos.js';
import type { HealthState } from './health-state.js';

interface HealthCheckRequest {
  service?: string;
}
interface HealthCheckResponse {
  status: 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
}

/**
 * Service names the health service answers for: `''` (the whole server, what Kubernetes' gRPC
 * probe and Envoy's gRPC health checker ask by default) and the ext_authz service. Both report
 * the one {@link HealthState}.
 */
export const HEALTH_SERVICE_NAMES: readonly string[] = ['', AUTHORIZATION_SERVICE];

/** The `grpc.health.v1.Health` handlers, plus a way to end open `Watch` streams. */
export interface HealthService {
  readonly implementation: UntypedServiceImplementation;
  /** Ends every open `Watch` stream, so a graceful shutdown is not held open by them. */
  close(): void;
}

/**
 * Implements the gRPC health checking protocol (grpc/doc/health-checking.md): `Check` answers
 * NOT_FOUND for an unknown service; `Watch` sends the current status at once and then every
 * change, and for an unknown service sends SERVICE_UNKNOWN and stays open.
 */
export function createHealthService(state: HealthState): HealthService {
  const known = new Set(HEALTH_SERVICE_NAMES);
  // Each open Watch stream, with the function that detaches it from the state.
  const watchers = new Map<ServerWritableStream<HealthCheckRequest, HealthCheckResponse>, () => void>();

  const check = (
    call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
    callback: sendUnaryData<HealthCheckResponse>,
  ): void => {
    const service = call.request.service ?? '';
    if (!known.has(service)) {
      callback({ code: GrpcStatus.NOT_FOUND, details: `unknown service "${service}"` });
      return;
    }
    callback(null, { status: state.get() });
  };

  const watch = (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>): void => {
    const service = call.request.service ?? '';
    let unsubscribe = (): void => {};
    const finish = (): void => {
      unsubscribe();
      watchers.delete(call);
    };
    watchers.set(call, finish);
    call.on('cancelled', finish);
    call.on('error', finish);
    if (!known.has(service)) {
      call.write({ status: 'SERVICE_UNKNOWN' });
      return;
    }
    call.write({ status: state.get() });
    unsubscribe = state.subscribe((status) => {
      if (!call.cancelled) call.write({ status });
    });
  };

  return {
    implementation: { Check: check, Watch: watch },
    close() {
      for (const [call, finish] of [...watchers]) {
        finish();
        call.end();
      }
    },
  };
}
