/**
 * The Node.js flags `dutygate serve` is started with (Dockerfile ENTRYPOINT, the Kubernetes
 * manifests, `npm start`, the bench). V8 reads them at start only: they cannot be set from
 * inside the process (`v8.setFlagsFromString('--single-threaded-gc')` after start-up aborts
 * the process at the next GC), so they live in every launch command instead.
 *
 * `--single-threaded-gc`: the gate gets one core (or a one-CPU quota). V8's parallel scavenge
 * and concurrent marking helpers then only compete with the thread that answers Envoy, or burn
 * the quota on other cores and get the whole container throttled. Measured at 547 Checks/s on
 * one core (three alternating runs): the main thread waited 38–42 ms a second for its CPU
 * instead of 57–86, the p99 fell by a quarter to a third, CPU per Check by about 3 %. The price
 * is memory: the heap grows further between major collections (RSS +10–17 % after ~100k Checks,
 * peaks +20–35 %); `--max-old-space-size` still bounds it.
 */
export const GATE_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/** The launch flags this process was started without (logged at start: the gate works, slower). */
export function missingGateNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return GATE_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
