import { performance } from 'node:perf_hooks';
import {
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import { addHrTimes, hrTimeDuration, isAttributeValue, isTimeInput, millisToHrTime, sanitizeAttributes, type InstrumentationScope } from '@opentelemetry/core';
import { RandomIdGenerator, type TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { EncodableSpan } from './otlp-span-encoder.js';

/**
 * The SDK's default span limits (TracerProvider): direct spans are only made when no
 * `OTEL_*_LIMIT` variable changes them (`spanLimitsFromEnv`, cli/telemetry-env.ts).
 */
const ATTRIBUTE_COUNT_LIMIT = 128;
const EVENT_COUNT_LIMIT = 128;
const ATTRIBUTES_PER_EVENT_LIMIT = 128;

/** Where a finished {@link DirectSpan} goes: the span processor that encodes and exports it. */
export interface DirectSpanSink {
  /** False until the sink can take direct spans (it has not yet learned the SDK's resource). */
  readonly takesDirectSpans: boolean;
  onEndDirect(span: DirectSpan): void;
}

/** The clocks a span reads (injectable for tests): wall milliseconds, a monotonic one and its origin. */
export interface SpanClock {
  readonly nowMs: () => number;
  readonly monotonicMs: () => number;
  readonly timeOriginMs: number;
}

const SYSTEM_CLOCK: SpanClock = { nowMs: Date.now, monotonicMs: () => performance.now(), timeOriginMs: performance.timeOrigin };

/**
 * A sampled, recording span built without the SDK's Tracer and Span, for the one span every
 * Check makes (`dutygate.check`, docs/design.md §7). It keeps what the SDK's SpanImpl keeps,
 * with the SDK's rules — set semantics for attribute keys (a repeated key keeps its place and
 * takes the new value), invalid values ignored, the default limits, the same start, event and
 * end times, the same status rules — so the bytes it is encoded to are the SDK span's bytes
 * (test/unit/telemetry/direct-span.test.ts encodes both). What it leaves out is what a Check
 * paid for and never used: the sampler call and the SDK's own `otel.sdk.span.*` counters (three
 * metric updates per span), attribute sanitizing of a dictionary object, a `for…in` over that
 * object to encode it. Attributes are held as two arrays in the order they were set.
 *
 * Only made by {@link DirectSpans}, which decides when the SDK would have made the same span.
 */
export class DirectSpan implements Span, EncodableSpan {
  readonly keys: string[] = [];
  readonly values: AttributeValue[] = [];
  readonly events: TimedEvent[] = [];
  readonly links: Link[] = [];
  readonly startTime: [number, number];
  endTime: [number, number] = [0, 0];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  private ended = false;
  private readonly startMonotonic: number;
  /** Wall minus monotonic time at the start, as SpanImpl's `_performanceOffset`. */
  private readonly offsetMs: number;

  constructor(
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    public name: string,
    readonly kind: SpanKind,
    readonly instrumentationScope: InstrumentationScope,
    private readonly sink: DirectSpanSink,
    private readonly clock: SpanClock,
  ) {
    // As SpanImpl: the start is the wall clock in whole milliseconds; later times without an
    // explicit value add the monotonic time elapsed since.
    const now = clock.nowMs();
    this.startMonotonic = clock.monotonicMs();
    this.offsetMs = now - (this.startMonotonic + clock.timeOriginMs);
    this.startTime = millisToHrTime(now);
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (value == null || this.ended || key.length === 0 || !isAttributeValue(value)) return this;
    // The SDK copies arrays (its value-length truncation maps them); the encoding happens at the end.
    const kept = Array.isArray(value) ? (value.slice() as AttributeValue) : value;
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === key) {
        this.values[i] = kept;
        return this;
      }
    }
    if (keys.length >= ATTRIBUTE_COUNT_LIMIT) {
      this.droppedAttributesCount++;
      return this;
    }
    keys.push(key);
    this.values.push(kept);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, key)) this.setAttribute(key, attributes[key] as AttributeValue);
    }
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    if (this.events.length >= EVENT_COUNT_LIMIT) {
      this.events.shift();
      this.droppedEventsCount++;
    }
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) {
      if (!isTimeInput(time)) time = attributesOrTime;
    } else {
      attributes = attributesOrTime;
    }
    const sanitized = sanitizeAttributes(attributes);
    const kept: Attributes = {};
    let count = 0;
    let dropped = 0;
    for (const key in sanitized) {
      if (!Object.prototype.hasOwnProperty.call(sanitized, key)) continue;
      if (count >= ATTRIBUTES_PER_EVENT_LIMIT) {
        dropped++;
        continue;
      }
      // sanitizeAttributes has already copied arrays.
      kept[key] = sanitized[key];
      count++;
    }
    this.events.push({ name, attributes: kept, time: this.timeOf(time), droppedAttributesCount: dropped });
    return this;
  }

  /** Links are not part of a check span; like a span past its link limit of 0, they are ignored. */
  addLink(_link: Link): this {
    return this;
  }

  addLinks(_links: Link[]): this {
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) return this;
    this.status = status.code === SpanStatusCode.ERROR && typeof status.message === 'string' ? { code: status.code, message: status.message } : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.endTime = this.timeOf(endTime);
    if (hrTimeDuration(this.startTime, this.endTime)[0] < 0) this.endTime = [this.startTime[0], this.startTime[1]];
    this.ended = true;
    this.sink.onEndDirect(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  /** The SDK's `exception` event: type (code, else name), message and stack. */
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else if (exception) {
      const { code, name, message, stack } = exception as { code?: string | number; name?: string; message?: string; stack?: string };
      if (code) attributes['exception.type'] = code.toString();
      else if (name) attributes['exception.type'] = name;
      if (message) attributes['exception.message'] = message;
      if (stack) attributes['exception.stacktrace'] = stack;
    }
    if (attributes['exception.type'] || attributes['exception.message']) this.addEvent('exception', attributes, time);
  }

  /** SpanImpl's `_getTime` for a span whose start time was not given. */
  private timeOf(input: TimeInput | undefined): [number, number] {
    if (typeof input === 'number') {
      // A number no later than the monotonic clock is a performance timestamp, as the SDK reads it.
      if (input <= this.clock.monotonicMs()) return addHrTimes(millisToHrTime(this.clock.timeOriginMs), millisToHrTime(input + this.offsetMs));
      return millisToHrTime(input);
    }
    if (input instanceof Date) return millisToHrTime(input.getTime());
    if (Array.isArray(input)) return [input[0], input[1]];
    return addHrTimes(this.startTime, millisToHrTime(this.clock.monotonicMs() - this.startMonotonic));
  }
}

/**
 * Makes {@link DirectSpan}s where the SDK would have made the same span: the sampler is the
 * gate's AlwaysOn (`OTEL_TRACES_SAMPLER` unset), span limits are the defaults, the only span
 * processor is the gate's worker processor, and that processor already knows the resource (it
 * learns it from the first span the SDK made — so the first Check's span always comes from the
 * SDK). Otherwise {@link start} returns undefined and the caller uses the SDK's tracer.
 */
export class DirectSpans {
  private readonly ids = new RandomIdGenerator();

  constructor(
    private readonly sink: DirectSpanSink,
    private readonly scope: InstrumentationScope,
    private readonly clock: SpanClock = SYSTEM_CLOCK,
  ) {}

  /** A started span `name` of `kind`, child of the span in `parent` (a new trace without one), or undefined. */
  start(name: string, kind: SpanKind, attributes: Attributes, parent: Context): DirectSpan | undefined {
    if (!this.sink.takesDirectSpans) return undefined;
    const parentContext = trace.getSpanContext(parent);
    const valid = parentContext !== undefined && trace.isSpanContextValid(parentContext);
    const context: SpanContext = {
      traceId: valid ? parentContext.traceId : this.ids.generateTraceId(),
      spanId: this.ids.generateSpanId(),
      traceFlags: TraceFlags.SAMPLED,
      traceState: valid ? parentContext.traceState : undefined,
    };
    const span = new DirectSpan(context, valid ? parentContext : undefined, name, kind, this.scope, this.sink, this.clock);
    span.setAttributes(attributes);
    return span;
  }
}
