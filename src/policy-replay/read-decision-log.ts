import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DECISION_RECORD_VERSION, type DecisionRecord } from '../audit/decision-record.js';

/** A time window over `record.time`; either end open. */
export interface TimeWindow {
  /** ms since the epoch, inclusive. */
  readonly since?: number;
  /** ms since the epoch, exclusive. */
  readonly until?: number;
}

/** What reading the log skipped, so that a report can say what it did not look at. */
export interface LogStats {
  readonly lines: number;
  /** Decision records inside the window (what was handed on). */
  readonly decisions: number;
  /** Approval event and audit checkpoint lines (not decisions). */
  readonly approvalEvents: number;
  readonly outsideWindow: number;
  /** Lines that are not JSON objects of a known shape. */
  readonly malformed: number;
  /** Records of a format version this build does not know (refused, per the format's rules). */
  readonly unknownVersion: number;
  /** The first malformed line, as `file:line`, to point at. */
  readonly firstMalformed?: string;
}

/**
 * Streams the decision records of one or more JSON-lines decision logs (the format of
 * src/audit/decision-record.ts), in file order, inside `window`. Approval events, malformed
 * lines and records of an unknown format version are counted, not handed on: a replay must
 * not guess at a record it does not understand.
 */
export async function readDecisionLog(files: readonly string[], window: TimeWindow, onRecord: (record: DecisionRecord) => void): Promise<LogStats> {
  const stats = { lines: 0, decisions: 0, approvalEvents: 0, outsideWindow: 0, malformed: 0, unknownVersion: 0, firstMalformed: undefined as string | undefined };
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    let number = 0;
    for await (const line of lines) {
      number++;
      if (line.trim() === '') continue;
      stats.lines++;
      const record = parseLine(line);
      if (record === undefined) {
        stats.malformed++;
        stats.firstMalformed ??= `${file}:${number}`;
      } else if (record.v !== DECISION_RECORD_VERSION) {
        stats.unknownVersion++;
      } else if (record.type === 'approval' || record.type === 'checkpoint') {
        stats.approvalEvents++;
      } else if (!isDecision(record)) {
        stats.malformed++;
        stats.firstMalformed ??= `${file}:${number}`;
      } else if (!inWindow(record.time, window)) {
        stats.outsideWindow++;
      } else {
        stats.decisions++;
        onRecord(record);
      }
    }
  }
  const { firstMalformed, ...rest } = stats;
  return firstMalformed === undefined ? rest : { ...rest, firstMalformed };
}

function parseLine(line: string): (Record<string, unknown> & { v?: unknown; type?: unknown }) | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The fields a replay reads, with their types; anything else about the record is not relied on. */
function isDecision(value: Record<string, unknown>): value is Record<string, unknown> & DecisionRecord {
  const strings = ['decision_id', 'time', 'method', 'host', 'path', 'decision', 'code'];
  const nullableStrings = ['agent_id', 'parent_agent_id', 'initiator', 'tool', 'tool_entry', 'rule_id', 'policy_version', 'approval_id', 'would_block_code'];
  return (
    value.type === 'decision' &&
    strings.every((key) => typeof value[key] === 'string') &&
    nullableStrings.every((key) => value[key] === null || typeof value[key] === 'string') &&
    Array.isArray(value.chain) &&
    value.chain.every((link) => typeof link === 'string') &&
    typeof value.would_block === 'boolean' &&
    (value.params === null || isObject(value.params)) &&
    (value.params_hashed === null || isObject(value.params_hashed)) &&
    Number.isFinite(Date.parse(value.time as string))
  );
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inWindow(time: string, window: TimeWindow): boolean {
  const at = Date.parse(time);
  return (window.since === undefined || at >= window.since) && (window.until === undefined || at < window.until);
}
