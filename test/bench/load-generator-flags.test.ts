/**
 * The load generator runs with its own GC flags (bench/load/load-generator-flags.ts): an entry
 * point started without them runs itself again with them, with the same arguments, and passes a
 * Ctrl-C on once so the run's clean-up still happens. Exercised on a real `node` child: the module
 * is transpiled as is (it imports only Node built-ins) next to a small driver script.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOAD_GENERATOR_NODE_FLAGS, missingLoadGeneratorFlags } from '../../bench/load/load-generator-flags.js';

describe('missingLoadGeneratorFlags', () => {
  it('names every flag a plain start lacks', () => {
    expect(missingLoadGeneratorFlags([])).toEqual([...LOAD_GENERATOR_NODE_FLAGS]);
    expect(LOAD_GENERATOR_NODE_FLAGS).toEqual(['--single-threaded-gc', '--max-semi-space-size=64']);
  });

  it('takes a flag given with another value as given, and ignores unrelated ones', () => {
    expect(missingLoadGeneratorFlags(['--max-semi-space-size=16', '--cpu-prof'])).toEqual(['--single-threaded-gc']);
    expect(missingLoadGeneratorFlags(['--single-threaded-gc', '--max-semi-space-size=64'])).toEqual([]);
  });
});

interface DriverRun {
  readonly status: number | null;
  readonly lines: readonly string[];
}

describe('ensureLoadGeneratorFlags', () => {
  let dir: string;
  let driver: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dutygate-loadgen-'));
    const source = readFileSync(new URL('../../bench/load/load-generator-flags.ts', import.meta.url), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    writeFileSync(join(dir, 'load-generator-flags.mjs'), outputText);
    driver = join(dir, 'driver.mjs');
    // Reports what it runs with; `wait` waits for SIGINT, "cleans up" (counting the SIGINTs that
    // reach it meanwhile) and exits 130, as main.ts does.
    writeFileSync(
      driver,
      [
        "import { ensureLoadGeneratorFlags } from './load-generator-flags.mjs';",
        'await ensureLoadGeneratorFlags();',
        'console.log(JSON.stringify({ execArgv: process.execArgv, args: process.argv.slice(2), pid: process.pid, ppid: process.ppid }));',
        "if (process.argv[2] === 'wait') {",
        '  let signals = 0;',
        "  process.on('SIGINT', () => { if (signals++ === 0) setTimeout(() => { console.log(`cleaned up after ${signals} SIGINT`); process.exit(130); }, 200); });",
        "  console.log('ready');",
        '  setInterval(() => undefined, 1000);',
        "} else process.exit(Number(process.argv[2] ?? 0));",
      ].join('\n'),
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function runDriver(nodeArgs: readonly string[], args: readonly string[], onLine?: (line: string, pid: number) => void): Promise<DriverRun> {
    return new Promise((resolve, reject) => {
      // Its own process group, as a shell gives a foreground job: a Ctrl-C goes to the group.
      const child = spawn(process.execPath, [...nodeArgs, driver, ...args], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
      const lines: string[] = [];
      let pending = '';
      child.stdout.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
          const line = pending.slice(0, at);
          pending = pending.slice(at + 1);
          lines.push(line);
          onLine?.(line, child.pid as number);
        }
      });
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, lines }));
    });
  }

  it('runs the script again under the flags, with its arguments, and exits with its status', async () => {
    const run = await runDriver([], ['7', 'extra']);
    expect(run.status).toBe(7);
    const seen = JSON.parse(run.lines[0] as string) as { execArgv: string[]; args: string[] };
    expect(seen.execArgv).toEqual(expect.arrayContaining([...LOAD_GENERATOR_NODE_FLAGS]));
    expect(seen.args).toEqual(['7', 'extra']);
  });

  it('keeps node flags it was started with', async () => {
    const run = await runDriver(['--max-old-space-size=300'], ['0']);
    expect(run.status).toBe(0);
    const seen = JSON.parse(run.lines[0] as string) as { execArgv: string[] };
    expect(seen.execArgv).toEqual(expect.arrayContaining(['--max-old-space-size=300', ...LOAD_GENERATOR_NODE_FLAGS]));
  });

  it('runs in place when started with the flags', async () => {
    let startedPid = 0;
    const run = await runDriver([...LOAD_GENERATOR_NODE_FLAGS], ['0'], (_line, pid) => {
      startedPid = pid;
    });
    expect(run.status).toBe(0);
    const seen = JSON.parse(run.lines[0] as string) as { pid: number };
    expect(seen.pid).toBe(startedPid);
  });

  it('a Ctrl-C reaches the relaunched run once: it cleans up and its exit status comes back', async () => {
    // As a terminal sends it: to the whole foreground process group.
    const run = await runDriver([], ['wait'], (line, pid) => {
      if (line === 'ready') process.kill(-pid, 'SIGINT');
    });
    expect(run.lines).toContain('cleaned up after 1 SIGINT');
    expect(run.status).toBe(130);
  });
});
