import type { HttpRequest } from '../request/http-request.js';
import type { Deadline } from '../lib/deadline.js';
import type { CheckOutcome } from './outcome.js';

/** What the transport hands the check pipeline besides the request. */
export interface CheckContext {
  /**
   * W3C trace context to join the agent's trace: the checked request's own headers, else the
   * gRPC metadata of the ext_authz call (Envoy's tracer injects it there).
   */
  readonly traceparent?: string;
  readonly tracestate?: string;
  /**
   * The Check's one deadline (docs/design.md §1), created where the Check arrives: due at the
   * earlier of Envoy's gRPC deadline and `limits.checkTimeoutMs`. Every phase asks it before a
   * state call or side effect; the pipeline denies on its own by then (with its precise code),
   * and `BACKSTOP_GRACE_MS` later the gRPC server stops waiting and denies INTERNAL. Absent, the
   * pipeline makes one of `limits.checkTimeoutMs` from now.
   */
  readonly deadline?: Deadline;
  /** A decision id assigned before the pipeline runs (the audit interceptor does, to find its span). */
  readonly decisionId?: string;
  /**
   * The adapter the Check came through when it is not Envoy's ext_authz gRPC (the AuthZEN PDP
   * on the HTTP port): the span then carries no RPC attributes, which would name the wrong call.
   */
  readonly via?: 'authzen';
  /**
   * The transport's call, where it can tell that its caller already gave up (Envoy resets the
   * ext_authz stream at its timeout, or when the agent's own connection goes): grpc-js's
   * ServerUnaryCall as it is, no wrapper per Check. Such a Check is shed before it starts — no
   * token spent, no state touched — instead of being run for no one.
   */
  readonly call?: { readonly cancelled: boolean };
}

/** The check pipeline, injected: HttpRequest in, CheckOutcome out. */
export type CheckFunction = (request: HttpRequest, context: CheckContext) => Promise<CheckOutcome>;

/**
 * Told about every deny the transport made itself (`cause` is a DutygateError for a bad request,
 * the thrown value for a failed pipeline, a timeout Error for a missed deadline). For logs only:
 * never awaited, and the cause is never echoed to the agent.
 */
export type FallbackDenyListener = (outcome: CheckOutcome, cause: unknown) => void;
