/**
 * Starts the real dutygate gRPC server on 127.0.0.1:0 with a fake, swappable check pipeline,
 * plus an Envoy-proto ext_authz client and a health client pointed at it.
 */
import type { CheckOutcome } from '../../src/check/outcome.js';
import type { LimitsConfig } from '../../src/config/types.js';
import type { HttpRequest } from '../../src/request/http-request.js';
import { startGrpcServer } from '../../src/server/grpc-server.js';
import type { CheckContext, CheckFunction, GrpcServer } from '../../src/server/grpc-server.js';
import { createHealthState } from '../../src/server/health-state.js';
import type { HealthState } from '../../src/server/health-state.js';
import { createEnvoyClient } from './envoy-client.js';
import type { EnvoyClient } from './envoy-client.js';
import { createHealthClient } from './envoy-health-client.js';
import type { HealthClient } from './envoy-health-client.js';

/** Small bounds so tests can cross them cheaply. */
export const TEST_LIMITS: LimitsConfig = {
  maxBodyBytes: 1024,
  maxJsonDepth: 32,
  maxHeaderBytes: 4096,
  maxTokenBytes: 8192,
  checkTimeoutMs: 300,
  maxIdentifierLength: 128,
  maxToolNameLength: 128,
  toolNameExtraChars: '',
  methodOverride: 'deny',
  maxInFlight: 32,
  maxQueued: 1000,
  admissionReserveMs: 100,
  maxPendingApprovals: 20,
  maxLedgerEntriesPerActor: 100_000,
};

/** A running server with clients, the calls its check saw, and the denies it made itself. */
export interface Harness {
  server: GrpcServer;
  client: EnvoyClient;
  health: HealthState;
  healthClient: HealthClient;
  seen: { request: HttpRequest; context: CheckContext }[];
  fallbacks: { outcome: CheckOutcome; cause: unknown }[];
  /** Replaces the fake check pipeline. */
  setCheck(fn: CheckFunction): void;
}

/** Starts a {@link Harness}; the check answers `initial` until replaced. */
export async function startHarness(initial: CheckOutcome, limits: LimitsConfig = TEST_LIMITS): Promise<Harness> {
  let impl: CheckFunction = () => Promise.resolve(initial);
  const seen: Harness['seen'] = [];
  const fallbacks: Harness['fallbacks'] = [];
  const health = createHealthState();
  const server = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    limits,
    health,
    check: (request, context) => {
      seen.push({ request, context });
      return impl(request, context);
    },
    onFallbackDeny: (outcome, cause) => fallbacks.push({ outcome, cause }),
  });
  const address = `127.0.0.1:${server.port}`;
  return {
    server,
    client: createEnvoyClient(address),
    health,
    healthClient: createHealthClient(address),
    seen,
    fallbacks,
    setCheck: (fn) => (impl = fn),
  };
}

/** Closes the clients and drains the server. */
export function stopHarness(h: Harness): Promise<void> {
  h.client.close();
  h.healthClient.close();
  return h.server.drain(1_000);
}

/** Polls `condition` every 5 ms until true; throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
