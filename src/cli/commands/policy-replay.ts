import type { Command } from 'commander';
import { loadPolicy } from '../../policy/load-policy.js';
import { CHANGE_KINDS, createDryRun, type ChangeKind, type DryRunResult } from '../../policy-replay/dry-run.js';
import { formatDryRun, formatShadowReport } from '../../policy-replay/format-replay.js';
import { readDecisionLog } from '../../policy-replay/read-decision-log.js';
import { createShadowReport } from '../../policy-replay/shadow-report.js';
import { parseWindow } from '../../policy-replay/time-window.js';
import { writeError, writeLine } from '../output.js';

interface LogOptions {
  log: string[];
  since?: string;
  until?: string;
  examples: string;
  json?: boolean;
}

const collect = (value: string, all: string[]) => [...all, value];
/** `--fail-on` names beyond the change kinds. */
const GROUPS: Readonly<Record<string, readonly string[]>> = {
  'new-approval': ['allow-to-approval', 'deny-to-approval'],
  any: CHANGE_KINDS.filter((kind) => kind !== 'reason-changed'),
};

/**
 * `dutygate policy dry-run` (a candidate policy against a recorded decision log) and
 * `dutygate policy shadow-report` (would-block counts over a window of the log).
 */
export function registerPolicyReplayCommands(policy: Command): void {
  policy
    .command('dry-run')
    .description('replay a decision log against a candidate policy and report which decisions would change, per rule and per agent')
    .requiredOption('-p, --policy <file>', 'the candidate policy')
    .requiredOption('-l, --log <file>', 'decision log (JSON lines; repeatable, oldest first)', collect, [])
    .option('--since <time>', 'only decisions at or after: RFC 3339 time, date, or a duration back from now (24h, 7d)')
    .option('--until <time>', 'only decisions before (same forms)')
    .option('--fail-on <kinds>', `exit 1 when any of these changes occur (comma separated): ${[...CHANGE_KINDS, 'new-approval', 'any', 'unevaluable'].join(', ')}`)
    .option('--examples <n>', 'examples shown per kind of change', '3')
    .option('--json', 'print the report as JSON')
    .action(async (options: LogOptions & { policy: string; failOn?: string }) => {
      const failOn = parseFailOn(options.failOn);
      const candidate = await loadPolicy(options.policy);
      const dryRun = createDryRun(candidate, { examples: count(options.examples) });
      const log = await readDecisionLog(options.log, parseWindow(options, Date.now()), (record) => dryRun.add(record));
      const result = dryRun.result();
      const triggered = triggeredBy(result, failOn);
      if (options.json) writeLine(JSON.stringify({ ...result, log, fail_on: [...failOn], failed: triggered.length > 0, triggered }, null, 2));
      else for (const line of formatDryRun(result, log)) writeLine(line);
      if (triggered.length > 0) {
        if (!options.json) writeError(`dry-run gate failed: ${triggered.join(', ')} (--fail-on ${options.failOn ?? ''})`);
        process.exitCode = 1;
      }
    });

  policy
    .command('shadow-report')
    .description('count would-block decisions of a shadow rollout over a decision log window, per rule, agent and tool')
    .requiredOption('-l, --log <file>', 'decision log (JSON lines; repeatable)', collect, [])
    .option('--since <time>', 'only decisions at or after: RFC 3339 time, date, or a duration back from now (24h, 7d)')
    .option('--until <time>', 'only decisions before (same forms)')
    .option('--examples <n>', 'examples shown per rule', '3')
    .option('--json', 'print the report as JSON')
    .action(async (options: LogOptions) => {
      const report = createShadowReport({ examples: count(options.examples) });
      const log = await readDecisionLog(options.log, parseWindow(options, Date.now()), (record) => report.add(record));
      if (options.json) writeLine(JSON.stringify({ ...report.result(), log }, null, 2));
      else for (const line of formatShadowReport(report.result(), log)) writeLine(line);
    });
}

function parseFailOn(text: string | undefined): Set<string> {
  const names = new Set<string>();
  for (const name of (text ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    if (GROUPS[name]) for (const kind of GROUPS[name]) names.add(kind);
    else if ((CHANGE_KINDS as readonly string[]).includes(name) || name === 'unevaluable') names.add(name);
    else throw new Error(`--fail-on: unknown kind '${name}' (use ${[...CHANGE_KINDS, 'new-approval', 'any', 'unevaluable'].join(', ')})`);
  }
  return names;
}

function triggeredBy(result: DryRunResult, failOn: ReadonlySet<string>): string[] {
  const hits = CHANGE_KINDS.filter((kind: ChangeKind) => failOn.has(kind) && result.changed[kind] > 0).map((kind) => `${kind} ${result.changed[kind]}`);
  const unevaluable = Object.values(result.unevaluable).reduce((sum, n) => sum + n, 0);
  if (failOn.has('unevaluable') && unevaluable > 0) hits.push(`unevaluable ${unevaluable}`);
  return hits;
}

function count(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--examples must be a whole number, got '${text}'`);
  return n;
}
