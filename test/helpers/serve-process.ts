/**
 * The built gate as an operator runs it: `node dist/cli/main.js serve --config FILE` as a child
 * process (`npm run build` first; `npm test` does it), its JSON log lines collected, its exit
 * observed. For drills that need a real process: signals, exit codes, what survives the exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_PATH } from './run-cli.js';

/** How the child ended, and when (ms since the epoch). */
export interface ServeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

/** A running `dutygate serve`. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** `127.0.0.1:<port>` of the gRPC listener, read from the ready line. */
  readonly grpcAddress: string;
  /** `http://127.0.0.1:<port>`. */
  readonly httpUrl: string;
  /** Every stdout line so far, parsed (pino lines and, with `decision_log: stdout`, decision lines). */
  readonly lines: readonly Record<string, unknown>[];
  /** stderr so far. */
  stderr(): string;
  /** Resolves when the child exits. */
  readonly exited: Promise<ServeExit>;
  /** SIGKILLs the child if it still runs (cleanup). */
  kill(): void;
}

/** Starts `dutygate serve --config configFile` and resolves once its ready line is out. */
export async function startServeProcess(configFile: string, env: Readonly<Record<string, string>> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI_PATH, 'serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines: Record<string, unknown>[] = [];
  let errors = '';
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const exited = new Promise<ServeExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  const ready = new Promise<{ grpc: string; http: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dutygate serve did not start in 15 s: ${errors}`)), 15_000);
    void exited.then((exit) => reject(new Error(`dutygate serve exited (${String(exit.code ?? exit.signal)}) before it was ready: ${errors}`)));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      // A chunk may end in the middle of a line: keep the tail for the next one.
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts.filter(Boolean)) {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        if (typeof line.grpc === 'string' && typeof line.http === 'string' && String(line.msg).startsWith('dutygate listening')) {
          clearTimeout(timer);
          resolve({ grpc: line.grpc, http: line.http });
        }
      }
    });
  });
  try {
    const { grpc, http } = await ready;
    return {
      child,
      grpcAddress: grpc,
      httpUrl: `http://${http}`,
      lines,
      stderr: () => errors,
      exited,
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
