/**
 * What one load phase against one server observed, and the recorder both load shapes share.
 */
import type { ServiceError } from '@grpc/grpc-js';
import { EXPECT_EITHER } from '../workload/workload.js';
import type { RequestSlice } from '../workload/workload.js';
import { readStatusCode } from './read-response.js';

/** The outcome of one phase. Latencies in milliseconds. */
export interface LoadRun {
  readonly sent: number;
  /** Requests answered with a CheckResponse. */
  readonly completed: number;
  /** Requests that failed at the RPC level (deadline, connection). */
  readonly rpcErrors: number;
  /**
   * Answers a correct server never gives: allow where the scenario denies or the reverse, or
   * 16 UNAUTHENTICATED (a replayed or rejected token) — a crash or regression sign.
   */
  readonly mismatches: number;
  /** 14 UNAVAILABLE answers: the gate failed closed (its check deadline or the state store's passed). */
  readonly unavailable: number;
  /** Count per `CheckResponse.status.code`, plus `rpc:<grpc status>` for RPC errors. */
  readonly statusCounts: Readonly<Record<string, number>>;
  /** First send to last answer. */
  readonly elapsedMs: number;
  /** Answers per second over `elapsedMs`. */
  readonly throughput: number;
  /** One per finished request (answers and RPC errors), in finishing order. */
  readonly latenciesMs: Float64Array;
  /** Open loop: how late each request left against its intended send time. */
  readonly sendLagMs?: Float64Array;
  /** The slice ran out before the phase's time was up. */
  readonly exhausted: boolean;
}

const UNAVAILABLE = 14;

/** Accumulates answers for a {@link LoadRun}. */
export class LoadRecorder {
  readonly latencies: Float64Array;
  private finished = 0;
  private completed = 0;
  private rpcErrors = 0;
  private mismatches = 0;
  private unavailable = 0;
  private readonly counts = new Map<string, number>();
  lastAt = 0;

  constructor(private readonly slice: RequestSlice, capacity: number) {
    this.latencies = new Float64Array(capacity);
  }

  get done(): number {
    return this.finished;
  }

  /** Records request `index`, sent (or due) at `startedAt`. */
  record(index: number, startedAt: number, error: ServiceError | null, response: Buffer | undefined): void {
    const now = performance.now();
    this.lastAt = now;
    this.latencies[this.finished++] = now - startedAt;
    let key: string;
    if (error !== null || response === undefined) {
      this.rpcErrors++;
      key = `rpc:${error?.code ?? 'empty'}`;
    } else {
      this.completed++;
      const status = readStatusCode(response);
      const expected = this.slice.expected[index] as number;
      if (status === UNAVAILABLE) this.unavailable++;
      else if (expected === EXPECT_EITHER ? status !== 0 && status !== 7 : status !== expected) this.mismatches++;
      key = String(status);
    }
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** The run so far; requests sent but never answered count as RPC errors (`lost`). */
  result(sent: number, startedAt: number, exhausted: boolean, sendLagMs?: Float64Array): LoadRun {
    const elapsedMs = Math.max(1e-3, this.lastAt - startedAt);
    const lost = sent - this.finished;
    if (lost > 0) this.counts.set('lost', lost);
    return {
      sent,
      completed: this.completed,
      rpcErrors: this.rpcErrors + lost,
      mismatches: this.mismatches,
      unavailable: this.unavailable,
      statusCounts: Object.fromEntries(this.counts),
      elapsedMs,
      throughput: (this.completed * 1000) / elapsedMs,
      latenciesMs: this.latencies.subarray(0, this.finished),
      ...(sendLagMs ? { sendLagMs } : {}),
      exhausted,
    };
  }
}
