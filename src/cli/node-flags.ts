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
 *
 * `--no-memory-reducer`: when the gate goes quiet, V8's memory reducer runs memory-reducing
 * collections that give the heap back and take compiled code with them; the next burst then
 * runs cold while four compiler threads re-optimize on the gate's one core. Measured (stop 31,
 * one core, 610 Checks/s after 100 s without Checks, the load generator kept busy): the first
 * 4 s round read main thread 528–625 ms/s and the compiler threads ~45–60 ms/s each, and 0,
 * 320 and 946 Checks timed out in three runs (RSS 484 → 202 MiB over the quiet spell); with the
 * flag the compiler threads stayed idle and 0, 13 and 36 timed out in three (RSS 318 → 286).
 * Under load it changes nothing (paired CPU per Check 1.002). The price: a quiet gate keeps the
 * heap its last load grew.
 */
export const GATE_NODE_FLAGS: readonly string[] = ['--single-threaded-gc', '--no-memory-reducer'];

/** The launch flags this process was started without (logged at start: the gate works, slower). */
export function missingGateNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return GATE_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
