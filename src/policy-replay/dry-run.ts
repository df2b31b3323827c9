import type { DecisionRecord } from '../audit/decision-record.js';
import type { Code } from '../errors.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import { decideUnmapped } from '../policy/decide-unmapped.js';
import { ledgerEntryOf } from '../policy/duty-conflict.js';
import { dutyStepsFor } from '../policy/evaluate.js';
import { judgeMapped } from '../policy/judge-call.js';
import type { Decision, LedgerEntry, ToolCall } from '../policy/types.js';
import { replayInput } from './replay-input.js';

/** A decision kind with sanitize folded into allow: what the agent experiences. */
export type Outcome = 'allow' | 'deny' | 'approval_needed';

/** The kinds of change a dry-run reports; `--fail-on` takes these names. */
export const CHANGE_KINDS = ['allow-to-deny', 'allow-to-approval', 'deny-to-allow', 'deny-to-approval', 'approval-to-allow', 'approval-to-deny', 'reason-changed'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One decision the candidate would decide differently. */
export interface ChangedDecision {
  readonly change: ChangeKind;
  readonly decisionId: string;
  readonly time: string;
  readonly agentId: string;
  readonly tool: string | null;
  readonly before: { readonly outcome: Outcome; readonly code: Code; readonly rule: string | null; readonly policyVersion: string | null };
  readonly after: { readonly outcome: Outcome; readonly code: Code; readonly rule: string | null; readonly reason: string | null; readonly wouldBlock: boolean };
}

/** Aggregated over the replayed log. */
export interface DryRunResult {
  readonly candidateVersion: string;
  /** Decisions replayed through the candidate. */
  readonly evaluated: number;
  readonly unchanged: number;
  readonly changed: Readonly<Record<ChangeKind, number>>;
  /** Identity, replay, chain, state or override-token decisions: no policy changes them. */
  readonly notPolicy: number;
  /** Policy decisions the log cannot reproduce, by reason. */
  readonly unevaluable: Readonly<Record<string, number>>;
  /** reason → the decision ids of up to `examples` of them, to look up in the log. */
  readonly unevaluableIds: Readonly<Record<string, readonly string[]>>;
  /** Candidate decisions let through only because the candidate (or its rule) is in shadow mode. */
  readonly candidateWouldBlock: number;
  /** `rule → change kind → count`: the candidate's rule for new blocks, the old rule for lifted ones. */
  readonly byRule: Readonly<Record<string, Partial<Record<ChangeKind, number>>>>;
  readonly byAgent: Readonly<Record<string, Partial<Record<ChangeKind, number>>>>;
  /** Up to `examples` per change kind. */
  readonly examples: Readonly<Partial<Record<ChangeKind, readonly ChangedDecision[]>>>;
  /** policy_version → decisions of the log judged under it. */
  readonly recordedVersions: Readonly<Record<string, number>>;
}

/** Accumulates a dry-run record by record (in log order: the duty ledger is rebuilt as it goes). */
export interface DryRun {
  add(record: DecisionRecord): void;
  result(): DryRunResult;
}

/**
 * Replays recorded decisions against a candidate policy with the judgement the server uses
 * (`judgeMapped`, `decideUnmapped`: src/policy/judge-call.ts) and compares what the agent would experience:
 * allow (sanitize included), deny, approval_needed. A recorded approval_needed that an override
 * or break-glass lifted (allowed with an `approval_id`) counts as approval_needed.
 *
 * The duty ledger is rebuilt from the log: every call the gate actually let through records the
 * candidate's duty steps for it, so SoD conflicts are judged on what really happened in the
 * window (steps performed before the window are not seen).
 */
export function createDryRun(candidate: CompiledPolicy, options: { examples?: number } = {}): DryRun {
  const maxExamples = options.examples ?? 3;
  const changed = Object.fromEntries(CHANGE_KINDS.map((kind) => [kind, 0])) as Record<ChangeKind, number>;
  const unevaluable: Record<string, number> = {};
  const unevaluableIds: Record<string, string[]> = {};
  const byRule: Record<string, Partial<Record<ChangeKind, number>>> = {};
  const byAgent: Record<string, Partial<Record<ChangeKind, number>>> = {};
  const examples: Partial<Record<ChangeKind, ChangedDecision[]>> = {};
  const recordedVersions: Record<string, number> = {};
  const ledger = new Map<string, LedgerEntry[]>();
  let evaluated = 0;
  let unchanged = 0;
  let notPolicy = 0;
  let candidateWouldBlock = 0;

  const remember = (record: DecisionRecord, tool: ToolCall | undefined) => {
    if (!tool || (record.decision !== 'allow' && record.decision !== 'sanitize') || record.agent_id === null) return;
    const at = Date.parse(record.time);
    for (const step of dutyStepsFor(candidate, tool)) {
      const key = `${step.duty}\u0000${step.resource}`;
      const entry = ledgerEntryOf(step, { agentId: record.agent_id, ancestors: record.chain, ...(record.initiator === null ? {} : { initiator: record.initiator }) }, at);
      ledger.set(key, [...(ledger.get(key) ?? []), entry]);
    }
  };

  // The candidate's whole judgement (judge-call.ts), over the ledger rebuilt from the log.
  const candidateDecision = (record: DecisionRecord, tool: ToolCall): Decision => {
    const actor = {
      agentId: record.agent_id as string,
      ancestors: record.chain,
      ...(record.parent_agent_id === null ? {} : { parentId: record.parent_agent_id }),
      ...(record.initiator === null ? {} : { initiator: record.initiator }),
    };
    return judgeMapped(candidate, tool, actor, (steps) => steps.flatMap((step) => ledger.get(`${step.duty}\u0000${step.resource}`) ?? [])).decision;
  };

  return {
    add(record) {
      const version = record.policy_version ?? '(none)';
      recordedVersions[version] = (recordedVersions[version] ?? 0) + 1;
      const input = replayInput(candidate, record);
      if (input.kind === 'not_policy') {
        notPolicy++;
        return;
      }
      if (input.kind === 'unevaluable') {
        unevaluable[input.reason] = (unevaluable[input.reason] ?? 0) + 1;
        const ids = (unevaluableIds[input.reason] ??= []);
        if (ids.length < maxExamples) ids.push(record.decision_id);
        return;
      }
      const decision = input.kind === 'call' ? candidateDecision(record, input.tool) : decideUnmapped(candidate, input.code);
      remember(record, input.kind === 'call' ? input.tool : undefined);
      evaluated++;
      if (decision.wouldBlock) candidateWouldBlock++;
      const before = { outcome: recordedOutcome(record), code: recordedCode(record), rule: record.rule_id, policyVersion: record.policy_version };
      const after = { outcome: fold(decision.kind), code: decision.code, rule: decision.ruleId ?? null, reason: decision.reason ?? null, wouldBlock: decision.wouldBlock };
      const change = changeOf(before, after);
      if (!change) {
        unchanged++;
        return;
      }
      changed[change]++;
      const rule = (after.outcome !== 'allow' ? after.rule : before.rule) ?? '(default)';
      bump(byRule, rule, change);
      bump(byAgent, record.agent_id as string, change);
      const list = (examples[change] ??= []);
      if (list.length < maxExamples) list.push({ change, decisionId: record.decision_id, time: record.time, agentId: record.agent_id as string, tool: record.tool, before, after });
    },
    result: () => ({ candidateVersion: candidate.policyVersion, evaluated, unchanged, changed, notPolicy, unevaluable, unevaluableIds, candidateWouldBlock, byRule, byAgent, examples, recordedVersions }),
  };
}

function fold(kind: Decision['kind']): Outcome {
  return kind === 'sanitize' ? 'allow' : kind;
}

/** What the agent got: an unavailable or lifted approval is still an approval_needed decision. */
function recordedOutcome(record: DecisionRecord): Outcome {
  if (record.code === 'APPROVAL_UNAVAILABLE' || record.code === 'APPROVAL_REQUIRED') return 'approval_needed';
  if ((record.decision === 'allow' || record.decision === 'sanitize') && record.approval_id !== null) return 'approval_needed';
  return fold(record.decision);
}

function recordedCode(record: DecisionRecord): Code {
  if (record.code === 'APPROVAL_UNAVAILABLE') return 'APPROVAL_REQUIRED';
  if (record.approval_id !== null && record.code === 'OK') return 'APPROVAL_REQUIRED';
  return record.code;
}

const NAMES: Readonly<Record<Outcome, string>> = { allow: 'allow', deny: 'deny', approval_needed: 'approval' };

function changeOf(before: { outcome: Outcome; code: Code; rule: string | null }, after: { outcome: Outcome; code: Code; rule: string | null }): ChangeKind | undefined {
  if (before.outcome !== after.outcome) return `${NAMES[before.outcome]}-to-${NAMES[after.outcome]}` as ChangeKind;
  if (before.outcome !== 'allow' && (before.code !== after.code || before.rule !== after.rule)) return 'reason-changed';
  return undefined;
}

function bump(table: Record<string, Partial<Record<ChangeKind, number>>>, key: string, change: ChangeKind): void {
  const row = (table[key] ??= {});
  row[change] = (row[change] ?? 0) + 1;
}
