/**
 * Per-process CPU time and resident memory from Linux /proc, read by the load generator about
 * the server child (never by the server itself, so measuring costs the server nothing).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

function readClockTicks(): number {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number.parseInt(result.stdout ?? '', 10);
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
}

/** `sysconf(_SC_CLK_TCK)`: the unit of utime/stime in /proc/<pid>/stat. */
export const CLOCK_TICKS = readClockTicks();

/** User + system CPU seconds the process has used so far; undefined once it is gone. */
export function readCpuSeconds(pid: number): number | undefined {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** CPU seconds of the main thread of `pid` alone (its task id is the pid). */
export function readMainThreadCpuSeconds(pid: number): number | undefined {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

/**
 * CPU seconds per thread name (`node` is the main thread; `libuv-worker` the threadpool, where
 * WebCrypto jobs run; `V8 DefaultWorke…` V8's GC and compiler helpers). A CPU profile only samples
 * the main thread, so this is how off-thread work shows up at all.
 */
export function readThreadCpu(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tasks) {
    const seconds = statCpuSeconds(`/proc/${pid}/task/${tid}/stat`);
    let name: string;
    try {
      name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (seconds !== undefined) byName.set(name, (byName.get(name) ?? 0) + seconds);
  }
  return byName;
}

function statCpuSeconds(file: string): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces; fields after its closing paren are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the name.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / CLOCK_TICKS : undefined;
}

/**
 * Seconds the main thread of `pid` has spent runnable but waiting for a CPU (the second field of
 * its schedstat, nanoseconds): time another task — a thread of its own or another process —
 * held the CPU it is pinned to. A hypervisor's
 * steal is not in it (the guest kernel does not see its vCPU stopped); undefined when the kernel
 * keeps no schedstats or the process is gone.
 */
export function readMainThreadRunDelaySeconds(pid: number): number | undefined {
  let schedstat: string;
  try {
    schedstat = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8');
  } catch {
    return undefined;
  }
  const waited = Number(schedstat.split(' ')[1]);
  return Number.isFinite(waited) ? waited / 1e9 : undefined;
}

/** Resident set size in bytes (VmRSS); undefined once the process is gone. */
export function readRssBytes(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** CPU seconds of this process (the load generator). */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
