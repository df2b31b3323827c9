import { CHANGE_KINDS, type ChangeKind, type DryRunResult } from './dry-run.js';
import type { LogStats } from './read-decision-log.js';
import type { ShadowReport, WouldBlockRow } from './shadow-report.js';

const LABELS: Readonly<Record<ChangeKind, string>> = {
  'allow-to-deny': 'allow → deny',
  'allow-to-approval': 'allow → approval_needed (new approval)',
  'deny-to-allow': 'deny → allow',
  'deny-to-approval': 'deny → approval_needed (new approval)',
  'approval-to-allow': 'approval_needed → allow',
  'approval-to-deny': 'approval_needed → deny',
  'reason-changed': 'same decision, other code or rule',
};

/** The terminal report of `dutygate policy dry-run`. */
export function formatDryRun(result: DryRunResult, log: LogStats): string[] {
  const lines = [`dry-run of candidate ${result.candidateVersion} against ${log.decisions} recorded decision(s) (${versions(result.recordedVersions)})`];
  const total = CHANGE_KINDS.reduce((sum, kind) => sum + result.changed[kind], 0);
  lines.push(`  re-evaluated ${result.evaluated}: ${result.unchanged} unchanged, ${total} changed`);
  for (const kind of CHANGE_KINDS) if (result.changed[kind] > 0) lines.push(`    ${LABELS[kind]}: ${result.changed[kind]}`);
  if (result.candidateWouldBlock > 0) lines.push(`  ${result.candidateWouldBlock} would be let through only by the candidate's shadow mode (would_block)`);
  lines.push(`  not policy decisions (identity, replay, chain, state, override): ${result.notPolicy}`);
  const unevaluable = Object.entries(result.unevaluable);
  if (unevaluable.length > 0) {
    lines.push(`  could not be re-evaluated: ${unevaluable.reduce((sum, [, n]) => sum + n, 0)}`);
    for (const [reason, n] of unevaluable.sort((a, b) => b[1] - a[1])) {
      const ids = result.unevaluableIds[reason] ?? [];
      lines.push(`    ${n} × ${reason}${ids.length > 0 ? ` (e.g. decision ${ids.join(', ')})` : ''}`);
    }
  }
  lines.push(...logNotes(log));
  if (total === 0) return lines;
  lines.push('', 'by rule (the candidate rule for new blocks, the recorded rule for lifted ones):', ...table(result.byRule));
  lines.push('', 'by agent:', ...table(result.byAgent));
  lines.push('', 'examples:');
  for (const kind of CHANGE_KINDS) {
    for (const example of result.examples[kind] ?? []) {
      const { before, after } = example;
      lines.push(
        `  ${LABELS[kind]}  ${example.time}  decision ${example.decisionId}`,
        `    agent ${example.agentId}, tool ${example.tool ?? '(none)'}`,
        `    recorded: ${before.outcome} ${before.code}${before.rule ? ` (rule ${before.rule})` : ''} under ${before.policyVersion ?? '?'}`,
        `    candidate: ${after.outcome} ${after.code}${after.rule ? ` (rule ${after.rule})` : ''}${after.reason ? `: ${after.reason}` : ''}`,
      );
    }
  }
  return lines;
}

/** The terminal report of `dutygate policy shadow-report`. */
export function formatShadowReport(report: ShadowReport, log: LogStats): string[] {
  const lines = [
    `${report.decisions} decision(s): ${report.shadow} decided in shadow mode, ${report.wouldBlock} would have been blocked, ${report.blocked} blocked`,
    ...logNotes(log),
  ];
  const versions = Object.entries(report.byPolicyVersion);
  if (versions.length > 0) lines.push('', 'by policy_version:', ...versions.map(([v, row]) => `  ${v}: ${row.wouldBlock} would-block of ${row.decisions}`));
  if (report.wouldBlock === 0) return lines;
  lines.push('', 'would-block by rule:', ...rows(report.byRule));
  lines.push('', 'by agent:', ...rows(report.byAgent));
  lines.push('', 'by tool:', ...rows(report.byTool));
  lines.push('', 'examples:');
  for (const [rule, list] of Object.entries(report.examples)) {
    for (const e of list) lines.push(`  ${rule}  ${e.time}  decision ${e.decisionId}: agent ${e.agentId ?? '?'}, tool ${e.tool ?? '(none)'}, ${e.code}${e.reason ? `: ${e.reason}` : ''}`);
  }
  return lines;
}

function logNotes(log: LogStats): string[] {
  const notes: string[] = [];
  if (log.outsideWindow > 0) notes.push(`  ${log.outsideWindow} record(s) outside the time window`);
  if (log.malformed > 0) notes.push(`  ${log.malformed} malformed line(s) skipped (first at ${log.firstMalformed ?? '?'})`);
  if (log.unknownVersion > 0) notes.push(`  ${log.unknownVersion} record(s) of an unknown format version skipped`);
  return notes;
}

function versions(counts: Readonly<Record<string, number>>): string {
  const list = Object.entries(counts).map(([v, n]) => `${n} under ${v}`);
  return list.length === 0 ? 'none' : list.join(', ');
}

function table(rowsByKey: Readonly<Record<string, Partial<Record<ChangeKind, number>>>>): string[] {
  return Object.entries(rowsByKey)
    .map(([key, row]) => [key, row, Object.values(row).reduce((sum, n) => sum + (n ?? 0), 0)] as const)
    .sort((a, b) => b[2] - a[2] || a[0].localeCompare(b[0]))
    .map(([key, row, sum]) => `  ${key}: ${sum} (${CHANGE_KINDS.filter((k) => row[k]).map((k) => `${k} ${row[k]}`).join(', ')})`);
}

function rows(rowsByKey: Readonly<Record<string, WouldBlockRow>>): string[] {
  return Object.entries(rowsByKey).map(
    ([key, row]) => `  ${key}: ${row.wouldBlock} (${Object.entries(row.codes).map(([code, n]) => `${code} ${n}`).join(', ')}; ${row.firstSeen} … ${row.lastSeen})`,
  );
}
