import type { DecisionRecord } from '../audit/decision-record.js';

/** Would-block counts for one key (rule, agent, tool). */
export interface WouldBlockRow {
  readonly wouldBlock: number;
  /** would_block_code → count. */
  readonly codes: Readonly<Record<string, number>>;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/** One would-block decision, as an example. */
export interface WouldBlockExample {
  readonly decisionId: string;
  readonly time: string;
  readonly agentId: string | null;
  readonly tool: string | null;
  readonly rule: string | null;
  readonly code: string;
  readonly reason: string | null;
}

/** The shadow rollout report over a window of the decision log. */
export interface ShadowReport {
  readonly decisions: number;
  /** Decisions a shadow-mode rule or policy decided. */
  readonly shadow: number;
  /** Decisions let through that the real decision would have blocked. */
  readonly wouldBlock: number;
  /** Decisions actually blocked (deny or approval_needed), for scale. */
  readonly blocked: number;
  readonly byRule: Readonly<Record<string, WouldBlockRow>>;
  readonly byAgent: Readonly<Record<string, WouldBlockRow>>;
  readonly byTool: Readonly<Record<string, WouldBlockRow>>;
  /** policy_version → { decisions, wouldBlock } in the window. */
  readonly byPolicyVersion: Readonly<Record<string, { readonly decisions: number; readonly wouldBlock: number }>>;
  /** Up to N per rule. */
  readonly examples: Readonly<Record<string, readonly WouldBlockExample[]>>;
}

/** Accumulates a shadow report record by record. */
export interface ShadowReportBuilder {
  add(record: DecisionRecord): void;
  result(): ShadowReport;
}

/**
 * Counts, over decision records, what shadow mode let through that enforcing would have
 * blocked (`would_block`), per rule (the rule that would have blocked; `(default)` for the
 * policy default or a refused request), per agent and per tool, with the codes and examples.
 * The numbers to read before promoting a shadow rule to `mode: enforce`.
 */
export function createShadowReport(options: { examples?: number } = {}): ShadowReportBuilder {
  const maxExamples = options.examples ?? 3;
  const byRule = new Map<string, MutableRow>();
  const byAgent = new Map<string, MutableRow>();
  const byTool = new Map<string, MutableRow>();
  const byPolicyVersion: Record<string, { decisions: number; wouldBlock: number }> = {};
  const examples: Record<string, WouldBlockExample[]> = {};
  let decisions = 0;
  let shadow = 0;
  let wouldBlock = 0;
  let blocked = 0;

  return {
    add(record) {
      decisions++;
      const version = (byPolicyVersion[record.policy_version ?? '(none)'] ??= { decisions: 0, wouldBlock: 0 });
      version.decisions++;
      if (record.shadow) shadow++;
      if (record.decision === 'deny' || record.decision === 'approval_needed') blocked++;
      if (!record.would_block) return;
      wouldBlock++;
      version.wouldBlock++;
      const code = record.would_block_code ?? 'UNKNOWN';
      const rule = record.rule_id ?? '(default)';
      count(byRule, rule, code, record.time);
      count(byAgent, record.agent_id ?? '(unknown)', code, record.time);
      count(byTool, record.tool ?? '(no tool)', code, record.time);
      const list = (examples[rule] ??= []);
      if (list.length < maxExamples) {
        list.push({ decisionId: record.decision_id, time: record.time, agentId: record.agent_id, tool: record.tool, rule: record.rule_id, code, reason: record.reason });
      }
    },
    result: () => ({ decisions, shadow, wouldBlock, blocked, byRule: freeze(byRule), byAgent: freeze(byAgent), byTool: freeze(byTool), byPolicyVersion, examples }),
  };
}

interface MutableRow {
  wouldBlock: number;
  codes: Record<string, number>;
  firstSeen: string;
  lastSeen: string;
}

function count(table: Map<string, MutableRow>, key: string, code: string, time: string): void {
  const row = table.get(key) ?? { wouldBlock: 0, codes: {}, firstSeen: time, lastSeen: time };
  row.wouldBlock++;
  row.codes[code] = (row.codes[code] ?? 0) + 1;
  if (time < row.firstSeen) row.firstSeen = time;
  if (time > row.lastSeen) row.lastSeen = time;
  table.set(key, row);
}

/** Rows sorted by count, most would-blocks first. */
function freeze(table: Map<string, MutableRow>): Record<string, WouldBlockRow> {
  return Object.fromEntries([...table.entries()].sort((a, b) => b[1].wouldBlock - a[1].wouldBlock || a[0].localeCompare(b[0])));
}
