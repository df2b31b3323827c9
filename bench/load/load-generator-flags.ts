/**
 * The Node.js flags the load generator runs with, and the relaunch that applies them.
 *
 * The load generator is pinned to one CPU, like the server. V8's GC helper threads then compete
 * with the thread that sends requests and reads answers: under `perf sched` (4 s open-loop rounds
 * at 465/s) they took CPU 1 in 4 ms slices for ~35 ms at the start of most rounds and ~30 ms
 * inside many slow clusters, while the server's CPU sat idle. Every such delay is counted as
 * server latency, for the floor and the gates alike. `--single-threaded-gc` keeps collection on
 * the main thread; a 64 MiB young generation makes its scavenges rarer (the client allocates a
 * request's bookkeeping per send and scavenged every ~40 ms at 465/s). These are the same
 * reasons the gate ships with `--single-threaded-gc` (src/cli/node-flags.ts).
 *
 * V8 reads these flags at start only, so an entry point started without them runs itself
 * again with them ({@link ensureLoadGeneratorFlags}).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** The flags, as given on the command line. */
export const LOAD_GENERATOR_NODE_FLAGS: readonly string[] = ['--single-threaded-gc', '--max-semi-space-size=64'];

/** The flags `execArgv` lacks (a flag given with another value counts as present). */
export function missingLoadGeneratorFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return LOAD_GENERATOR_NODE_FLAGS.filter((flag) => {
    const name = flag.split('=')[0] as string;
    return !execArgv.some((given) => given === flag || given.startsWith(`${name}=`) || given === name);
  });
}

/**
 * Returns at once when this process has the flags. Otherwise runs this script again under them
 * (same arguments, same terminal) and exits with the child's status, never returning. The child
 * gets its own process group, so a Ctrl-C reaches it once, forwarded from here, and its own
 * clean-up (stopping servers, removing scratch data) runs to the end.
 */
export async function ensureLoadGeneratorFlags(): Promise<void> {
  const missing = missingLoadGeneratorFlags();
  if (missing.length === 0) return;
  const script = process.argv[1];
  if (script === undefined) throw new Error('the load generator needs a script path to run again with its flags');
  const child = spawn(process.execPath, [...missing, ...process.execArgv, script, ...process.argv.slice(2)], { stdio: 'inherit', detached: true });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  const status = await new Promise<number>((resolve) => {
    child.once('error', () => resolve(1));
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  process.exit(status);
}
