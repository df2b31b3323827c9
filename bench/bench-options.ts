/**
 * The two modes. `full` is what `npm run bench` runs and what bench/results.json records (about
 * ten minutes); `short` is the CI smoke run (well under a minute): fewer, shorter phases, no
 * profile, no RSS soak, and a generous regression threshold instead of the targets.
 */

/** Everything a mode decides. Durations in milliseconds. */
export interface BenchOptions {
  readonly mode: 'full' | 'short';
  /** Requests decoded and checked per server before timing. */
  readonly verifyRequests: number;
  /**
   * Warm-up: every server answers `warmupRequests` (so V8 has optimized the hot path: a time
   * bound alone would leave a slow server half-interpreted), bounded by `warmupMaxMs`.
   */
  readonly warmupRequests: number;
  readonly warmupMaxMs: number;
  /** Closed-loop repetitions per server, and each one's length. */
  readonly closedRuns: number;
  readonly closedMs: number;
  /**
   * Then closed-loop repetitions (each `closedMs`) of the memory gate and the floor on the
   * fresh-ancestors workload: new chain links on every delegated request, so the gate's link
   * cache never hits (0: skip).
   */
  readonly freshRuns: number;
  /** Requests in flight in the closed loop, spread over `connections` HTTP/2 connections. */
  readonly concurrency: number;
  /**
   * Connections of the load generator, like an Envoy sidecar's workers. With all requests on one
   * connection, HTTP/2 flow control starves some streams for hundreds of milliseconds under
   * load — an artifact of the client, not of the server under test.
   */
  readonly connections: number;
  /** Open-loop rates as fractions of the floor's closed-loop median. */
  readonly openFractions: readonly number[];
  readonly openRuns: number;
  readonly openMs: number;
  /**
   * Before each phase, wait up to `quietMaxWaitMs` for the server's and the load generator's
   * CPUs to be free of other processes; at most `quietBudgetMs` in all (a shared machine).
   */
  readonly quietMaxWaitMs: number;
  readonly quietBudgetMs: number;
  /** Per-call deadline (Envoy's ext_authz default timeout). */
  readonly deadlineMs: number;
  /** Also measure, closed loop only, the raw node:crypto floor and the memory gate with OpenTelemetry off. */
  readonly informative: boolean;
  /** CPU-profile the memory gate under closed-loop load for this long (0: skip). */
  readonly profileMs: number;
  /** Checks in the RSS soak of the memory gate (0: skip), its bound in time, token lifetime. */
  readonly soakChecks: number;
  readonly soakMaxMs: number;
  readonly soakTokenTtlSeconds: number;
  /**
   * Short mode fails (exit 1) below these ratios of capacity per server CPU-second: far under
   * the targets, so only a crash-like regression trips them on a noisy CI machine.
   */
  readonly minMemoryVsFloor: number;
  readonly minRedisVsMemory: number;
}

export const FULL: BenchOptions = {
  mode: 'full',
  verifyRequests: 600,
  warmupRequests: 8000,
  warmupMaxMs: 15_000,
  closedRuns: 5,
  closedMs: 4000,
  freshRuns: 3,
  concurrency: 64,
  connections: 4,
  openFractions: [0.25, 0.5, 0.8],
  openRuns: 3,
  openMs: 4000,
  quietMaxWaitMs: 10_000,
  quietBudgetMs: 120_000,
  deadlineMs: 200,
  informative: true,
  profileMs: 8000,
  soakChecks: 1_000_000,
  soakMaxMs: 300_000,
  soakTokenTtlSeconds: 20,
  minMemoryVsFloor: 0,
  minRedisVsMemory: 0,
};

export const SHORT: BenchOptions = {
  mode: 'short',
  verifyRequests: 150,
  warmupRequests: 3000,
  warmupMaxMs: 6000,
  closedRuns: 1,
  closedMs: 2000,
  freshRuns: 1,
  concurrency: 64,
  connections: 4,
  openFractions: [0.25, 0.5],
  openRuns: 1,
  openMs: 2000,
  quietMaxWaitMs: 2000,
  // 6 s, not 10: on a busy machine the budget is spent in full, and the fresh-ancestors phases
  // (about 6 s with their slice) must fit in the CI minute too. Waiting only ever helps the
  // numbers' noise, never the pass/fail thresholds (per CPU-second, far below the targets).
  quietBudgetMs: 6000,
  deadlineMs: 200,
  informative: false,
  profileMs: 0,
  soakChecks: 0,
  soakMaxMs: 0,
  soakTokenTtlSeconds: 20,
  minMemoryVsFloor: 0.15,
  minRedisVsMemory: 0.15,
};
