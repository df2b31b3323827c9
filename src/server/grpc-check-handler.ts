import type { Deadline as GrpcDeadline, ServerUnaryCall, handleUnaryCall } from '@grpc/grpc-js';
import { createDenyOutcome } from '../authz/deny-outcome.js';
import { toCheckResponse } from '../authz/index.js';
import { parseCheckRequest } from '../authz/parse-check-request.js';
import type { WireCheckRequest, WireCheckResponse } from '../authz/wire-types.js';
import type { CheckContext, CheckFunction, FallbackDenyListener } from '../check/check-function.js';
import type { CheckOutcome } from '../check/outcome.js';
import { Deadline } from '../lib/deadline.js';
import type { LimitsConfig } from '../config/types.js';

/** Options of {@link createCheckHandler}. */
export interface CheckHandlerOptions {
  readonly limits: LimitsConfig;
  readonly check: CheckFunction;
  readonly onFallbackDeny?: FallbackDenyListener;
}

/**
 * The unary handler of `envoy.service.auth.v3.Authorization/Check`. It always completes the RPC
 * with gRPC OK: an RPC error is not a deny to Envoy but an error that takes the filter's
 * `failure_mode_allow` / `status_on_error` path (docs/design.md §5), so every failure — an unparsable
 * request, a pipeline that throws, a missed deadline — becomes a deny CheckResponse instead.
 */
export function createCheckHandler(options: CheckHandlerOptions): handleUnaryCall<WireCheckRequest, WireCheckResponse> {
  const { limits, check, onFallbackDeny } = options;

  const fallback = (code: Parameters<typeof createDenyOutcome>[0], reason: string, cause: unknown): WireCheckResponse => {
    const outcome = createDenyOutcome(code, reason);
    if (onFallbackDeny) {
      try {
        onFallbackDeny(outcome, cause);
      } catch {
        // A failing log hook must not turn a deny into an RPC error.
      }
    }
    return toCheckResponse(outcome);
  };

  const answer = async (call: ServerUnaryCall<WireCheckRequest, WireCheckResponse>): Promise<WireCheckResponse> => {
    try {
      const parsed = parseCheckRequest(call.request, limits);
      if (!parsed.ok) return fallback(parsed.error.code, parsed.error.reason, parsed.error);
      const request = parsed.request;
      const dueAt = dueTime(call.getDeadline(), limits.checkTimeoutMs);
      // Built in place (no spreads): one object per Check, the same keys as before.
      const headers = request.headers;
      const own = headers.has('traceparent');
      const context: { -readonly [K in keyof CheckContext]: CheckContext[K] } = {
        traceparent: own ? headers.get('traceparent') : metadataText(call, 'traceparent'),
        tracestate: own ? headers.get('tracestate') : metadataText(call, 'tracestate'),
      };
      if (dueAt !== undefined) context.deadline = new Deadline(dueAt);
      // grpc-js marks the call cancelled when Envoy resets the stream (its timeout passed).
      context.call = call;
      const pending = check(request, context);
      const outcome = await settleBy(pending, dueAt === undefined ? undefined : dueAt + BACKSTOP_GRACE_MS);
      if (outcome === TIMED_OUT) {
        return fallback('INTERNAL', 'the check did not finish before its deadline', new Error('check deadline exceeded'));
      }
      return toCheckResponse(outcome);
    } catch (error) {
      return fallback('INTERNAL', 'an internal error; the gate fails closed', error);
    }
  };

  return (call, callback) => {
    void answer(call).then((response) => callback(null, response));
  };
}

const TIMED_OUT = Symbol('timed out');

function metadataText(call: ServerUnaryCall<WireCheckRequest, WireCheckResponse>, key: string): string | undefined {
  const value = call.metadata.get(key)[0];
  return value === undefined ? undefined : value.toString();
}

/**
 * How long past `deadline` the server still waits for the pipeline. The backstop is for a
 * pipeline that hangs; the grace lets a pipeline's own, more precise deadline deny win the race.
 */
export const BACKSTOP_GRACE_MS = 20;

/** The earlier of the RPC deadline and now + timeout; undefined when neither bounds the call. */
function dueTime(deadline: GrpcDeadline, timeoutMs: number): number | undefined {
  const rpc = deadline instanceof Date ? deadline.getTime() : deadline;
  const own = timeoutMs > 0 && Number.isFinite(timeoutMs) ? Date.now() + timeoutMs : Infinity;
  const due = Math.min(rpc, own);
  return Number.isFinite(due) ? due : undefined;
}

/**
 * Resolves with the outcome, or with TIMED_OUT at `dueAt`; a late rejection is still handled.
 * One promise and one timer, no `Promise.race` and async frame: this runs for every Check.
 */
function settleBy(pending: Promise<CheckOutcome>, dueAt: number | undefined): Promise<CheckOutcome | typeof TIMED_OUT> {
  if (dueAt === undefined) return pending;
  return new Promise<CheckOutcome | typeof TIMED_OUT>((resolve, reject) => {
    const timer = setTimeout(resolve, Math.max(0, dueAt - Date.now()), TIMED_OUT);
    pending.then(
      (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      },
      (error: unknown) => {
        clearTimeout(timer);
        // Passed on as it came: the handler turns it into an INTERNAL deny.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
    );
  });
}
