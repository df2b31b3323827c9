/**
 * A server under test as a child process: started pinned to the server CPU, ready once it prints
 * its gRPC port, measured through /proc, stopped with SIGTERM (so `--cpu-prof` writes its
 * profile). Its stdout and stderr go to a log file, so the gate's own logging (the decision log
 * is on stdout by default) is part of what is measured.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readCpuSeconds, readRssBytes } from '../measure/proc-stats.js';
import { pinnedCommand } from '../measure/pinning.js';
import type { Pinning } from '../measure/pinning.js';

/** Options of {@link startServerProcess}. */
export interface ServerProcessOptions {
  readonly name: string;
  /** Node flags, script and its arguments. */
  readonly nodeArgs: readonly string[];
  readonly pinning: Pinning;
  /** Where stdout/stderr go. */
  readonly logFile: string;
  /** When set, `--cpu-prof` into this folder. */
  readonly profileDir?: string;
  /** Extra environment (on top of this process's). */
  readonly env?: Readonly<Record<string, string>>;
  /** Which CPU to pin to (default the server's). */
  readonly side?: 'server' | 'client';
  readonly readyTimeoutMs?: number;
}

/** A running server child. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Where its stdout and stderr go. */
  readonly logFile: string;
  /** CPU seconds used so far (user + system). */
  cpuSeconds(): number | undefined;
  rssBytes(): number | undefined;
  /** Bytes the server wrote to stdout/stderr so far. */
  logBytes(): number;
  /** False once the process exited. */
  alive(): boolean;
  /**
   * SIGTERM, then SIGKILL after `timeoutMs` (default 10 s; 60 s with a profile, which is written
   * at exit); resolves the CPU profile file, if one was written.
   */
  stop(timeoutMs?: number): Promise<{ exitCode: number | null; profileFile?: string }>;
}

// Every child still running, so an interrupted run can take them down with it.
const running = new Set<ChildProcess>();

/** SIGKILLs every server child still running (an interrupted run must not leave them behind). */
export function killAllServerProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Reads the port from the first line that announces it: the floor's `{"port":N}` or the gate's listening log line. */
export function portFromLine(line: string): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as { port?: unknown; grpc?: unknown };
  if (typeof record.port === 'number') return record.port;
  if (typeof record.grpc === 'string') {
    const match = /:(\d+)$/.exec(record.grpc);
    if (match) return Number(match[1]);
  }
  return undefined;
}

/** Starts a server child and resolves once it listens; rejects with its output if it does not. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const args = [...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []), ...options.nodeArgs];
  const { command, args: argv } = pinnedCommand(options.pinning, process.execPath, args, options.side);
  // The child writes straight into the file: a pipe would make this process (the load
  // generator) copy the gate's decision log, megabytes per second, on its own CPU.
  const fd = openSync(options.logFile, 'w');
  const child: ChildProcess = spawn(command, argv, { stdio: ['ignore', fd, fd], env: { ...process.env, ...options.env } });
  closeSync(fd);
  running.add(child);
  let exitCode: number | null = null;
  let exited = false;
  let spawnError: Error | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      exited = true;
      exitCode = code;
      resolve();
    });
  });
  child.once('error', (error) => {
    spawnError = error;
  });

  // Generous: on a machine shared with builds, importing the OpenTelemetry SDK alone can take seconds.
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let port: number | undefined;
  // Bounded by the deadline; polls the start-up lines only (the first 256 KiB).
  while (port === undefined) {
    if (spawnError !== undefined || exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      const why = spawnError?.message ?? (exited ? `exited with code ${String(exitCode)} before listening` : `did not listen within ${timeoutMs} ms`);
      throw new Error(`${options.name}: ${why}; see ${options.logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
    port = scanForPort(options.logFile);
  }

  const pid = child.pid as number;
  const logFile = options.logFile;
  return {
    name: options.name,
    pid,
    port,
    logFile,
    cpuSeconds: () => readCpuSeconds(pid),
    rssBytes: () => readRssBytes(pid),
    logBytes: () => statSync(logFile).size,
    alive: () => !exited,
    async stop(stopTimeoutMs = options.profileDir ? 60_000 : 10_000) {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        await exit;
        clearTimeout(timer);
      }
      const profileFile = options.profileDir ? mainThreadProfile(options.profileDir) : undefined;
      return profileFile === undefined ? { exitCode } : { exitCode, profileFile };
    },
  };
}

function scanForPort(file: string): number | undefined {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(256 * 1024);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    for (const line of buffer.subarray(0, length).toString('utf8').split('\n')) {
      const port = portFromLine(line);
      if (port !== undefined) return port;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The main thread's profile in `dir`. `--cpu-prof` writes one file per thread,
 * `CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile`: since spans are exported from a worker
 * (issue 14) the gate writes two, and the Check path is the main thread's (thread id 0). Without a
 * thread-0 file, the newest profile.
 */
export function mainThreadProfile(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile')).sort();
  const main = files.find((file) => file.split('.')[4] === '0');
  const chosen = main ?? files[files.length - 1];
  return chosen === undefined ? undefined : join(dir, chosen);
}
