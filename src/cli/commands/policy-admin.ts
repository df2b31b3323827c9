import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { writeError, writeLine } from '../output.js';

interface AdminOptions {
  url: string[];
  tokenFile?: string;
  json?: boolean;
}

const collect = (value: string, all: string[]) => [...all, value];
const DEFAULT_URL = 'http://127.0.0.1:8181';
/** An admin call is a human at a terminal: a hung gate should not hang them for long. */
const TIMEOUT_MS = 10_000;

/**
 * `dutygate policy versions` and `dutygate policy rollback`: clients of the gate's admin
 * endpoints. The admin token comes from `--token-file` or `DUTYGATE_ADMIN_TOKEN`, never from
 * an argument (arguments show up in `ps` and shell history). `--url` repeats, one per replica.
 */
export function registerPolicyAdminCommands(policy: Command): void {
  policy
    .command('versions')
    .description('list the policy versions a running gate keeps, which is in force, and reload counters')
    .option('--url <url>', `gate HTTP base URL (repeatable, one per replica; default ${DEFAULT_URL})`, collect, [])
    .option('--token-file <file>', 'file holding the admin token (default: $DUTYGATE_ADMIN_TOKEN)')
    .option('--json', 'print the JSON answer')
    .action(async (options: AdminOptions) => {
      const token = await adminToken(options);
      let failed = false;
      for (const url of urls(options)) {
        const answer = await call(url, 'GET', '/v1/policy/versions', token);
        if (!answer.ok) failed = true;
        if (options.json || !answer.ok) writeLine(JSON.stringify({ url, status: answer.status, ...answer.body }, null, 2));
        else for (const line of versionLines(url, answer.body)) writeLine(line);
      }
      if (failed) process.exitCode = 1;
    });

  policy
    .command('rollback')
    .description('swap a running gate back to the previous kept policy version (or --to VERSION) and pin it until the file changes')
    .option('--url <url>', `gate HTTP base URL (repeatable, one per replica; default ${DEFAULT_URL})`, collect, [])
    .option('--to <policy_version>', 'the kept version to swap to (see `dutygate policy versions`); default: the previous one')
    .option('--token-file <file>', 'file holding the admin token (default: $DUTYGATE_ADMIN_TOKEN)')
    .option('--json', 'print the JSON answer')
    .action(async (options: AdminOptions & { to?: string }) => {
      const token = await adminToken(options);
      let failed = false;
      for (const url of urls(options)) {
        const answer = await call(url, 'POST', '/v1/policy/rollback', token, options.to === undefined ? {} : { to: options.to });
        if (!answer.ok) failed = true;
        if (options.json || !answer.ok) {
          writeLine(JSON.stringify({ url, status: answer.status, ...answer.body }, null, 2));
        } else {
          const pinned = answer.body.pinned ? ' (pinned until the policy file changes)' : '';
          writeLine(`${url}: policy_version ${String(answer.body.policy_version)} in force, was ${String(answer.body.previous)}${pinned}`);
        }
      }
      if (failed) process.exitCode = 1;
    });
}

function urls(options: AdminOptions): string[] {
  return options.url.length > 0 ? options.url : [DEFAULT_URL];
}

async function adminToken(options: AdminOptions): Promise<string> {
  const token = options.tokenFile !== undefined ? (await readFile(options.tokenFile, 'utf8')).trim() : (process.env.DUTYGATE_ADMIN_TOKEN ?? '').trim();
  if (token === '') throw new Error('no admin token: pass --token-file FILE or set DUTYGATE_ADMIN_TOKEN');
  return token;
}

async function call(base: string, method: string, path: string, token: string, body?: unknown): Promise<{ ok: boolean; status: number; body: Record<string, unknown> }> {
  try {
    const response = await fetch(new URL(path, base), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { message: text };
    }
    return { ok: response.ok, status: response.status, body: typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : { message: text } };
  } catch (error) {
    writeError(`${base}: ${error instanceof Error ? error.message : String(error)}`);
    return { ok: false, status: 0, body: { code: 'UNREACHABLE' } };
  }
}

function versionLines(url: string, body: Record<string, unknown>): string[] {
  const stats = (body.stats ?? {}) as Record<string, unknown>;
  const pinned = body.pinned as { policy_version: string; file_version: string } | null;
  const lines = [`${url}: policy_version ${String(body.policy_version)} in force`];
  if (pinned) lines.push(`  pinned by a rollback; the file's ${pinned.file_version} is not applied until the file changes`);
  if (typeof body.reload_error === 'string') lines.push(`  last reload refused: ${body.reload_error}`);
  lines.push(`  loads ${String(stats.loads)}, refused reloads ${String(stats.reloads_refused)}, rollbacks ${String(stats.rollbacks)}`);
  for (const v of (body.versions ?? []) as { policy_version: string; loaded_at: string; origin: string; active: boolean }[]) {
    lines.push(`  ${v.active ? '*' : ' '} ${v.policy_version}  loaded ${v.loaded_at} (${v.origin})`);
  }
  return lines;
}
