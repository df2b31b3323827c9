/**
 * headersOf formats `traceparent`/`tracestate` itself on the Check path; it must say exactly
 * what the W3C propagator injects for the same span context, and round-trip through contextOf.
 */
import { ROOT_CONTEXT, defaultTextMapSetter, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { TraceState, W3CTraceContextPropagator } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { headersOf, spanContextOf } from '../../../src/telemetry/trace-context.js';

const propagator = new W3CTraceContextPropagator();

function injected(spanContext: SpanContext): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), carrier, defaultTextMapSetter);
  return carrier;
}

describe('headersOf', () => {
  const contexts: SpanContext[] = [
    { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED },
    { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE },
    { traceId: 'ffffffffffffffffffffffffffffffff', spanId: '0000000000000001', traceFlags: TraceFlags.SAMPLED, traceState: new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7') },
    { traceId: '00000000000000000000000000000001', spanId: 'ffffffffffffffff', traceFlags: 0x11, isRemote: true },
  ];
  for (const spanContext of contexts) {
    it(`writes what the W3C propagator writes (flags ${spanContext.traceFlags}${spanContext.traceState ? ', tracestate' : ''})`, () => {
      expect(headersOf(spanContext)).toEqual(injected(spanContext));
      // Flags above 0x0f come out as four hex digits (the propagator's own quirk), which no parser takes back.
      if (spanContext.traceFlags > 0x0f) return;
      expect(spanContextOf(headersOf(spanContext))).toMatchObject({ traceId: spanContext.traceId, spanId: spanContext.spanId });
    });
  }

  it('writes nothing for an invalid span context, as the propagator does', () => {
    const invalid: SpanContext = { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: TraceFlags.NONE };
    expect(injected(invalid)).toEqual({});
    expect(headersOf(invalid).traceparent).toBeUndefined();
  });
});
