/**
 * CPU pinning with `taskset` (util-linux): the server child on one core, this process (the load
 * generator) on the other, so neither steals the other's cycles. Without taskset or with fewer
 * than two CPUs the bench still runs, unpinned, and says so in its results.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** How processes are placed. */
export interface Pinning {
  readonly pinned: boolean;
  /** `taskset -c` list for server children, when pinned. */
  readonly serverCpus?: string;
  /** The load generator's CPU list, when pinned. */
  readonly clientCpus?: string;
  /** What was done, for the results. */
  readonly note: string;
}

/** Pins this process (all its threads) to CPU 1 and reserves CPU 0 for servers, when possible. */
export function pinLoadGenerator(): Pinning {
  const cpus = availableParallelism();
  if (cpus < 2) return { pinned: false, note: `unpinned: only ${cpus} CPU available` };
  const probe = spawnSync('taskset', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    return { pinned: false, note: 'unpinned: taskset (util-linux) is not installed' };
  }
  const self = spawnSync('taskset', ['-a', '-pc', '1', String(process.pid)], { encoding: 'utf8' });
  if (self.status !== 0) return { pinned: false, note: `unpinned: taskset failed (${(self.stderr ?? '').trim()})` };
  const note = cpus > 2 ? `server on CPU 0, load generator on CPU 1 (of ${cpus})` : 'server on CPU 0, load generator on CPU 1';
  return { pinned: true, serverCpus: '0', clientCpus: '1', note };
}

/**
 * The argv that starts `command` under the pinning (prefixing taskset when pinned): on the server
 * CPU, or with `side: 'client'` on the load generator's (helpers such as the OTLP sink).
 */
export function pinnedCommand(pinning: Pinning, command: string, args: readonly string[], side: 'server' | 'client' = 'server'): { command: string; args: string[] } {
  const cpus = side === 'server' ? pinning.serverCpus : pinning.clientCpus;
  if (!pinning.pinned || cpus === undefined) return { command, args: [...args] };
  return { command: 'taskset', args: ['-c', cpus, command, ...args] };
}
