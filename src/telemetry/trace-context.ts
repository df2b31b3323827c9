import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, trace, type Context, type SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** W3C trace context as carried in headers or gRPC metadata. */
export interface TraceHeaders {
  readonly traceparent: string;
  readonly tracestate?: string;
}

// W3C Trace Context explicitly (docs/design.md §7), whatever OTEL_PROPAGATORS says: the agent's trace
// arrives as `traceparent`, and the approvals code stores one to link to.
const w3c = new W3CTraceContextPropagator();

/** The context whose remote parent `headers` name; ROOT_CONTEXT when absent or invalid. */
export function contextOf(headers: TraceHeaders | undefined): Context {
  if (!headers?.traceparent) return ROOT_CONTEXT;
  const carrier: Record<string, string> = { traceparent: headers.traceparent };
  if (headers.tracestate) carrier.tracestate = headers.tracestate;
  return w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
}

/** The span context `headers` name, when valid. */
export function spanContextOf(headers: TraceHeaders | undefined): SpanContext | undefined {
  return trace.getSpanContext(contextOf(headers));
}

/**
 * `traceparent` (and `tracestate`) naming `spanContext`, as a child would carry them. Every
 * Check computes these (for the approvals it may raise), so a valid context is formatted
 * directly — the W3C propagator's own format — rather than through a context and a carrier.
 */
export function headersOf(spanContext: SpanContext): TraceHeaders {
  if (trace.isSpanContextValid(spanContext)) {
    const traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-0${Number(spanContext.traceFlags || 0).toString(16)}`;
    const tracestate = spanContext.traceState?.serialize();
    return tracestate ? { traceparent, tracestate } : { traceparent };
  }
  const carrier: Record<string, string> = {};
  w3c.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), carrier, defaultTextMapSetter);
  return carrier.tracestate ? { traceparent: carrier.traceparent as string, tracestate: carrier.tracestate } : { traceparent: carrier.traceparent as string };
}

/**
 * The agent's trace for a Check: the checked request's own `traceparent`/`tracestate` first
 * (docs/design.md §7), else what the transport found (the gRPC metadata Envoy's tracer injects).
 */
export function parentOf(requestHeaders: ReadonlyMap<string, string>, transport: Partial<TraceHeaders> | undefined): Context {
  const fromRequest = requestHeaders.get('traceparent');
  if (fromRequest) {
    const context = contextOf({ traceparent: fromRequest, ...optional(requestHeaders.get('tracestate')) });
    if (trace.getSpanContext(context)) return context;
  }
  if (transport?.traceparent) return contextOf({ traceparent: transport.traceparent, ...optional(transport.tracestate) });
  return ROOT_CONTEXT;
}

function optional(tracestate: string | undefined): { tracestate?: string } {
  return tracestate ? { tracestate } : {};
}
