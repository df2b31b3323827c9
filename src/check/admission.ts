/**
 * Admission control for Checks: bounded in-flight work. At most `maxInFlight` Checks run the
 * pipeline at once; the next `maxQueued` wait in line (first come, first served); the rest, and
 * every waiting Check that could no longer finish before its deadline, are shed at once — before
 * the pipeline touched any state, so an agent's token is not spent and a retry may succeed.
 *
 * Why not just run everything: Node interleaves all Checks in flight, so under a burst each one
 * takes as long as the whole burst, every deadline passes together, and Checks fail after they
 * spent their token. Bounding what runs keeps the ones admitted fast; shedding the excess early
 * (503 `OVERLOADED`) tells Envoy and the agent the truth — the gate is over capacity — instead of
 * a late `INTERNAL` or a spurious `STATE_UNAVAILABLE`.
 */

/**
 * Why a Check was shed: the line was full, it could not start in time, or its caller had
 * already gone (admitted-check.ts asks the transport).
 */
export type ShedReason = 'queue_full' | 'deadline' | 'caller_gone';

/** Options of {@link createAdmission}. */
export interface AdmissionOptions {
  /** Checks running the pipeline at once. */
  readonly maxInFlight: number;
  /** Checks waiting for a slot; beyond it, shed at once. */
  readonly maxQueued: number;
  /**
   * A Check starts only while at least this much of its deadline is left (ms) — or, when more,
   * twice what admitted Checks have recently taken (a moving average), so that under load the
   * gate keeps to what it can really finish in time; but never more than `maxReserveMs` (a slow
   * spell must not make the gate shed everything).
   */
  readonly reserveMs: number;
  readonly maxReserveMs: number;
  /** Told about every shed Check (metric and rate-limited log live with the caller). */
  readonly onShed?: (reason: ShedReason) => void;
  /** Milliseconds (injected for tests). */
  readonly now?: () => number;
}

/** The verdict for one Check. */
export type Admitted = { readonly admitted: true; readonly release: () => void } | { readonly admitted: false; readonly reason: ShedReason };

/** The admission gate of one server. */
export interface Admission {
  /** Resolves once the Check may run (call `release` when it answered) or must be shed. `dueAt` undefined: no deadline. */
  admit(dueAt: number | undefined): Promise<Admitted>;
  /** Checks running / waiting now. */
  readonly inFlight: number;
  readonly queued: number;
}

interface Waiter {
  readonly dueAt: number | undefined;
  readonly resolve: (verdict: Admitted) => void;
  timer: NodeJS.Timeout | undefined;
}

/** Creates the admission gate. */
export function createAdmission(options: AdmissionOptions): Admission {
  const now = options.now ?? Date.now;
  const queue: Waiter[] = [];
  let running = 0;
  /** Moving average of admitted Checks' run time (ms). */
  let serviceMs = 0;
  const reserve = () => Math.max(options.reserveMs, Math.min(2 * serviceMs, options.maxReserveMs));

  const shed = (reason: ShedReason): Admitted => {
    options.onShed?.(reason);
    return { admitted: false, reason };
  };
  const tooLate = (dueAt: number | undefined) => dueAt !== undefined && dueAt - now() < reserve();

  const start = (): Admitted => {
    running += 1;
    const startedAt = now();
    let released = false;
    return {
      admitted: true,
      release() {
        if (released) return;
        released = true;
        running -= 1;
        serviceMs += (now() - startedAt - serviceMs) / 8;
        next();
      },
    };
  };

  // Hands the freed slot to the oldest waiter that can still make its deadline.
  const next = () => {
    while (running < options.maxInFlight && queue.length > 0) {
      const waiter = queue.shift() as Waiter;
      clearTimeout(waiter.timer);
      waiter.resolve(tooLate(waiter.dueAt) ? shed('deadline') : start());
    }
  };

  return {
    admit(dueAt) {
      if (tooLate(dueAt)) return Promise.resolve(shed('deadline'));
      if (running < options.maxInFlight && queue.length === 0) return Promise.resolve(start());
      if (queue.length >= options.maxQueued) return Promise.resolve(shed('queue_full'));
      return new Promise<Admitted>((resolve) => {
        const waiter: Waiter = { dueAt, resolve, timer: undefined };
        // A waiter whose time runs out in line is answered then, not when a slot frees up.
        if (dueAt !== undefined) {
          waiter.timer = setTimeout(() => {
            const index = queue.indexOf(waiter);
            if (index < 0) return;
            queue.splice(index, 1);
            resolve(shed('deadline'));
          }, Math.max(0, dueAt - reserve() - now()));
        }
        queue.push(waiter);
      });
    },
    get inFlight() {
      return running;
    },
    get queued() {
      return queue.length;
    },
  };
}
