import type { Logger } from '../log/logger.js';
import type { StateStore } from '../state/state-store.js';
import type { AdminAuth } from '../lib/admin-token.js';
import type { HealthState } from './health-state.js';
import type { HttpRoutes } from '../lib/http-routes.js';
import type { PolicySource } from './policy-source.js';

/** How often the state store is pinged to keep readiness current. */
const PROBE_INTERVAL_MS = 1_000;
const PROBE_TIMEOUT_MS = 500;

/** Readiness: probes the state store, flips the gRPC health status, serves /healthz and /readyz. */
export interface Readiness {
  readonly routes: HttpRoutes;
  /** Probes once now and updates the health status. */
  refresh(): Promise<void>;
  /** The last probe's answer: does the state store answer? (the `dutygate_state_store_up` gauge) */
  stateOk(): boolean;
  start(): void;
  stop(): void;
}

/**
 * The gate is ready when a policy is loaded (always true after start) and the state store
 * answers. While the store is down, gRPC health and `/readyz` report NOT_SERVING so Kubernetes
 * and Envoy route around this replica; Checks keep answering with fast denies meanwhile.
 */
export function createReadiness(deps: { health: HealthState; policy: PolicySource; state: StateStore; log: Logger; admin?: AdminAuth | undefined }): Readiness {
  let stateOk = false;
  let stateError: string | undefined;
  let timer: NodeJS.Timeout | undefined;

  const refresh = async (): Promise<void> => {
    try {
      await Promise.race([
        deps.state.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('state ping timed out')), PROBE_TIMEOUT_MS).unref()),
      ]);
      if (!stateOk) deps.log.info({ driver: deps.state.driver }, 'state store reachable');
      stateOk = true;
      stateError = undefined;
    } catch (error) {
      if (stateOk) deps.log.error({ driver: deps.state.driver, err: String(error) }, 'state store unreachable');
      stateOk = false;
      stateError = error instanceof Error ? error.message : String(error);
    }
    deps.health.set(stateOk ? 'SERVING' : 'NOT_SERVING');
  };

  const details = () => ({
    status: stateOk ? 'ready' : 'not_ready',
    policy_version: deps.policy.current().policyVersion,
    ...(deps.policy.lastError() ? { policy_reload_error: deps.policy.lastError() } : {}),
    policy_reloads_refused: deps.policy.stats().reloadsRefused,
    // A rollback holds: the file's content is not applied until the file changes (PolicySource).
    ...(deps.policy.pin() ? { policy_pinned_by_rollback: true } : {}),
    state: { driver: deps.state.driver, ok: stateOk, ...(stateError ? { error: stateError } : {}) },
  });

  return {
    routes: {
      'GET /healthz': () => Promise.resolve({ status: 200, body: { status: 'ok' } }),
      // Unauthenticated probes get the status alone: reload errors name absolute paths and
      // Redis error text. The details are for the holder of the admin token (issue 19).
      'GET /readyz': (request) => {
        const body = deps.admin?.verify(request.headers.authorization) ? details() : { status: stateOk ? 'ready' : 'not_ready' };
        return Promise.resolve({ status: stateOk ? 200 : 503, body });
      },
    },
    refresh,
    stateOk: () => stateOk,
    start() {
      timer = setInterval(() => void refresh(), PROBE_INTERVAL_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
