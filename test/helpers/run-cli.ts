/**
 * Runs the built `dutygate` command as a user would (`npm test` builds dist/ first) and
 * resolves its exit code and output; a non-zero exit is a result, not a rejection.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Path of the built CLI entry point. */
export const CLI_PATH = new URL('../../dist/cli/main.js', import.meta.url).pathname;

const run = promisify(execFile);

/** What one CLI run printed and how it exited. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `dutygate …args` with `env` added to this process's environment. */
export async function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_PATH, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
