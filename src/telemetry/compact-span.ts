import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import { TraceState, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/**
 * A finished span as plain data, the form it crosses from the Check thread to the export
 * worker in (`postMessage` clones plain objects; the SDK's span objects hold methods and the
 * resource). The resource and the instrumentation scopes are sent once, not per span: a span
 * names its scope by index.
 */
export interface CompactSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly traceState?: string;
  readonly parentSpanId?: string;
  readonly parentIsRemote?: boolean;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly events: readonly TimedEvent[];
  readonly links: readonly CompactLink[];
  readonly dropped: readonly [attributes: number, events: number, links: number];
  /** Index into the scope table the worker was sent. */
  readonly scope: number;
}

/** A link as plain data. */
export interface CompactLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly traceState?: string;
  readonly attributes?: Attributes;
  readonly droppedAttributesCount?: number;
}

/** The resource as plain data (its detected attributes settled before it is sent). */
export interface CompactResource {
  readonly attributes: Attributes;
  readonly schemaUrl?: string;
}

/** The attribute that names the Check (or approval event) a span audits; drop logs name it. */
export const DECISION_ID = 'dutygate.decision_id';

/** Copies `span` into plain data; `scope` is the index of its instrumentation scope. */
export function toCompactSpan(span: ReadableSpan, scope: number): CompactSpan {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  return {
    name: span.name,
    kind: span.kind,
    traceId: context.traceId,
    spanId: context.spanId,
    traceFlags: context.traceFlags,
    ...(context.traceState ? { traceState: context.traceState.serialize() } : {}),
    ...(parent ? { parentSpanId: parent.spanId, parentIsRemote: parent.isRemote === true } : {}),
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: span.attributes,
    events: span.events,
    links: span.links.map(toCompactLink),
    dropped: [span.droppedAttributesCount, span.droppedEventsCount, span.droppedLinksCount],
    scope,
  };
}

function toCompactLink(link: Link): CompactLink {
  const { traceId, spanId, traceFlags, traceState } = link.context;
  return {
    traceId,
    spanId,
    traceFlags,
    ...(traceState ? { traceState: traceState.serialize() } : {}),
    ...(link.attributes ? { attributes: link.attributes } : {}),
    ...(link.droppedAttributesCount === undefined ? {} : { droppedAttributesCount: link.droppedAttributesCount }),
  };
}

/**
 * Rebuilds the span the OTLP exporter reads (the fields `@opentelemetry/otlp-transformer`
 * encodes) from its plain copy, with the resource and scope the main thread sent once.
 */
export function fromCompactSpan(span: CompactSpan, resource: Resource, scopes: readonly InstrumentationScope[]): ReadableSpan {
  const context: SpanContext = { traceId: span.traceId, spanId: span.spanId, traceFlags: span.traceFlags, ...(span.traceState ? { traceState: new TraceState(span.traceState) } : {}) };
  const scope = scopes[span.scope];
  if (!scope) throw new Error(`span ${span.spanId} names unknown instrumentation scope ${span.scope}`);
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => context,
    ...(span.parentSpanId === undefined ? {} : { parentSpanContext: { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: 0, isRemote: span.parentIsRemote === true } }),
    startTime: span.startTime,
    endTime: span.endTime,
    duration: hrDifference(span.endTime, span.startTime),
    ended: true,
    status: span.status,
    attributes: span.attributes,
    events: [...span.events],
    links: span.links.map((link) => ({
      context: { traceId: link.traceId, spanId: link.spanId, traceFlags: link.traceFlags, ...(link.traceState ? { traceState: new TraceState(link.traceState) } : {}) },
      ...(link.attributes ? { attributes: link.attributes } : {}),
      ...(link.droppedAttributesCount === undefined ? {} : { droppedAttributesCount: link.droppedAttributesCount }),
    })),
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: span.dropped[0],
    droppedEventsCount: span.dropped[1],
    droppedLinksCount: span.dropped[2],
  };
}

function hrDifference(end: HrTime, start: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return [seconds, nanos];
}
