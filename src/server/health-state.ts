/** The two statuses the app reports; `UNKNOWN` and `SERVICE_UNKNOWN` belong to the protocol. */
export type ServingStatus = 'SERVING' | 'NOT_SERVING';

/**
 * The gate's readiness, flipped by the app: `SERVING` once a policy and the issuers' keys are
 * loaded, `NOT_SERVING` while the state store is down or while draining. The gRPC health
 * service reads it and streams its changes to `Watch` callers.
 */
export interface HealthState {
  /** Sets the status; listeners hear only real changes. */
  set(status: ServingStatus): void;
  get(): ServingStatus;
  /** Calls `listener` on every change until the returned function is called. */
  subscribe(listener: (status: ServingStatus) => void): () => void;
}

/** Creates a {@link HealthState}; it starts `NOT_SERVING` unless told otherwise. */
export function createHealthState(initial: ServingStatus = 'NOT_SERVING'): HealthState {
  let current = initial;
  const listeners = new Set<(status: ServingStatus) => void>();
  return {
    set(status) {
      if (status === current) return;
      current = status;
      for (const listener of [...listeners]) listener(status);
    },
    get: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
