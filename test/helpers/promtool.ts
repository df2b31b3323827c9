/**
 * Prometheus' own tools for the alert-rule tests: `promtool` and `prometheus` from Debian's
 * `prometheus` package (.ci/run installs it). Missing binaries fail the tests with a message
 * that says how to get them; they never skip (a skipped rules test would let a broken rule ship).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The absolute path of `name` on PATH; throws a clear error when it is not installed. */
export function requireBinary(name: 'promtool' | 'prometheus'): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  throw new Error(`${name} is not on PATH: install Debian's prometheus package (apt-get install -y prometheus), as .ci/run does`);
}

/** Runs a binary; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(binary: string, args: readonly string[], cwd?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (error && typeof error.code !== 'number') return reject(new Error(`${binary}: ${error.message}`));
      resolve({ code: error ? (error.code as number) : 0, output });
    });
  });
}
