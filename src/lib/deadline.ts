import { DutygateError, type DenyCode } from '../errors.js';
import { withDeadline } from './with-deadline.js';

const STATE_LATE = 'the state store did not answer in time';

/** Why a {@link Deadline}'s signal fired: the Check lost its race with the clock. */
export const DEADLINE_REASON = 'the check did not finish within its deadline';

/**
 * One Check's deadline (docs/design.md §1): the due time, and an `AbortSignal` that fires when
 * the Check's answer was not ready by then. Created once where the Check arrives (from Envoy's
 * gRPC deadline and `limits.check_timeout`) and passed down to every phase, so that every state
 * call and every side effect asks the same clock first: after the deadline nothing is written.
 *
 * Two questions, two answers:
 * - {@link passed} reads the clock: true from the due time on. Asked before issuing a write, so a
 *   Check whose event loop was busy past its deadline writes nothing (the answer will be a deny).
 * - {@link signal} fires only when the pipeline really lost the race (its timer ran, one I/O poll
 *   later, and the work was still unfinished); {@link finish} disarms it once the answer is in.
 *   Asked by work scheduled after the answer (a Slack post): an approval whose Check answered in
 *   time is announced even if the post runs a moment past the due time.
 */
export class Deadline {
  /**
   * Created only when {@link signal} is asked for (the approval gate's after-the-answer check):
   * an AbortController and its AbortSignal per Check cost measurable CPU and garbage on the hot
   * path, and {@link race} needs only one listener, kept in {@link #onLost}.
   */
  #controller: AbortController | undefined;
  /** Why the signal fired, once it has: the reason an AbortSignal created later aborts with. */
  #lostReason: DutygateError | undefined;
  /** The pending {@link race}s' listeners, told in order when the Check loses its race. */
  #onLost: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #finished = false;
  /** State calls started and not yet answered: a race lost while one is pending is the store's. */
  #waiting = 0;
  /** One bound decrement per Deadline rather than one closure per state call. */
  readonly #answered = (): void => {
    this.#waiting--;
  };

  /** @param dueAt milliseconds since the epoch (real time, `Date.now()`'s clock). */
  constructor(readonly dueAt: number) {
    const wait = dueAt - Date.now();
    if (wait <= 0) Deadline.#fire(this);
    else this.#timer = setTimeout(Deadline.#fire, wait, this);
  }

  /**
   * The timer's callback (static with the Deadline as argument: no closure per Check). As in
   * withDeadline: the verdict waits one I/O poll so that a reply already in the socket is read
   * before the Check is declared lost (the deadline measures dependencies, not the loop).
   */
  static #fire(deadline: Deadline): void {
    setImmediate(Deadline.#lose, deadline);
  }

  static #lose(deadline: Deadline): void {
    if (deadline.#finished) return;
    deadline.#lostReason = new DutygateError('INTERNAL', DEADLINE_REASON);
    const listeners = deadline.#onLost;
    deadline.#onLost = [];
    for (const listener of listeners) listener();
    deadline.#controller?.abort(deadline.#lostReason);
  }

  /** A deadline `ms` from now. */
  static after(ms: number): Deadline {
    return new Deadline(Date.now() + ms);
  }

  /** Fires when the Check lost the race with its deadline; never after {@link finish}. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#lostReason !== undefined) this.#controller.abort(this.#lostReason);
    }
    return this.#controller.signal;
  }

  /** True once the due time is reached (or the signal fired). */
  passed(now: number = Date.now()): boolean {
    return now >= this.dueAt || this.#lostReason !== undefined;
  }

  /** Milliseconds left, never below 0. */
  remainingMs(now: number = Date.now()): number {
    return Math.max(0, this.dueAt - now);
  }

  /**
   * The Check's answer is ready: the signal will not fire any more and the timer is released.
   * Idempotent.
   */
  finish(): void {
    this.#finished = true;
    clearTimeout(this.#timer);
  }

  /**
   * Starts a state call only while time is left, and waits for it at most `perCallMs` (the
   * store's own timeout; undefined for the in-process driver) and never past the deadline.
   * A call not started is a deny `INTERNAL` ({@link DEADLINE_REASON}); a started one that does
   * not answer in time is `STATE_UNAVAILABLE` — the store is what the Check was waiting for (also
   * when the Check's own race, not `perCallMs`, ran out while it was pending).
   */
  call<T>(start: () => Promise<T>, perCallMs: number | undefined): Promise<T> {
    const now = Date.now();
    if (this.passed(now)) return Promise.reject(new DutygateError('INTERNAL', `${DEADLINE_REASON}; nothing more was written`));
    this.#waiting++;
    const work = start();
    work.then(this.#answered, this.#answered);
    // A store that bounds its own calls (Redis: state.timeout) or answers in process: the
    // Check's own race bounds the wait (no second timer on the hot path).
    if (perCallMs === undefined) return work;
    return withDeadline(work, Math.min(perCallMs, this.remainingMs(now)), 'STATE_UNAVAILABLE', STATE_LATE);
  }

  /**
   * Settles with `work`, or rejects with `code` once the signal fires — whichever comes first.
   * Calls {@link finish} when `work` wins.
   */
  race<T>(work: Promise<T>, code: DenyCode = 'INTERNAL', reason: string = DEADLINE_REASON): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Lost while a state call was pending: the store is what the Check was waiting for.
      const lost = () => reject(this.#waiting > 0 ? new DutygateError('STATE_UNAVAILABLE', STATE_LATE) : new DutygateError(code, reason));
      if (this.#lostReason !== undefined) {
        lost();
        return;
      }
      this.#onLost.push(lost);
      const settled = () => {
        const index = this.#onLost.indexOf(lost);
        if (index >= 0) this.#onLost.splice(index, 1);
        this.finish();
      };
      work.then(
        (value) => {
          settled();
          resolve(value);
        },
        (error: unknown) => {
          settled();
          // Passed on as it came: the pipeline maps its own errors to denies.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
      );
    });
  }
}
