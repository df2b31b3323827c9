/**
 * Builds a real chained decision log: records sealed by the memory state driver's audit chain
 * and written by the recorder to a file, as a running gate does.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditRecorder } from '../../../src/audit/audit-recorder.js';
import type { CheckpointSigner } from '../../../src/audit/checkpoint.js';
import { createCheckpointer } from '../../../src/audit/checkpointer.js';
import { openDecisionLog } from '../../../src/audit/decision-log.js';
import { DECISION_RECORD_VERSION, type DecisionRecord } from '../../../src/audit/decision-record.js';
import { createLogger } from '../../../src/log/logger.js';
import { createMemoryStore } from '../../../src/state/memory/memory-store.js';
import type { StateStore } from '../../../src/state/state-store.js';

/** A decision record with every field set; `n` makes it unique. */
export function decisionRecord(n: number, fields: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    v: DECISION_RECORD_VERSION,
    type: 'decision',
    decision_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    time: new Date(Date.UTC(2026, 10, 21, 10, 0, n)).toISOString(),
    agent_id: `agent-${n}`,
    parent_agent_id: 'planner',
    chain: ['planner'],
    initiator: 'sso:carol',
    jti: `jti-${n}`,
    method: 'POST',
    host: 'payments.internal',
    path: '/payments',
    query: '',
    tool: 'payments.create',
    tool_entry: 'payments.create',
    params: { amount: 100 + n },
    params_hashed: { destination: 'ab'.repeat(32) },
    params_hash: 'cd'.repeat(32),
    decision: 'allow',
    code: 'OK',
    reason: null,
    rule_id: 'finance-payments',
    clause: null,
    policy_version: '1+abcdef012345',
    approval_id: null,
    shadow: false,
    would_block: false,
    would_block_code: null,
    trace_id: null,
    span_id: null,
    ...fields,
  };
}

/** Writes `count` chained records to a fresh file; returns its lines. */
export async function chainedLog(count: number, store: StateStore = memoryStore()): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'dutygate-audit-'));
  const file = join(dir, 'decisions.jsonl');
  try {
    const recorder = createAuditRecorder({ store, log: openDecisionLog({ sink: 'file', file }, (e) => { throw e; }), logger: createLogger('silent') });
    for (let n = 1; n <= count; n++) await recorder.record(decisionRecord(n));
    await recorder.close();
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function memoryStore(): StateStore {
  return createMemoryStore({ maxJtiEntries: 100, ledgerTtlMs: 60_000, sweepIntervalMs: 0 });
}

/**
 * A chained log with signed checkpoints, written as a running gate writes them: `count`
 * records, a checkpoint of the store's head after every `every` records, and a shutdown
 * checkpoint at the end. Returns its lines.
 */
export async function checkpointedLog(count: number, every: number, signer: CheckpointSigner, store: StateStore = memoryStore()): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'dutygate-audit-'));
  const file = join(dir, 'decisions.jsonl');
  try {
    const log = openDecisionLog({ sink: 'file', file }, (e) => { throw e; });
    const logger = createLogger('silent');
    const recorder = createAuditRecorder({ store, log, logger });
    let clock = Date.UTC(2026, 10, 21, 10, 0, 0);
    const checkpointer = createCheckpointer({ head: () => store.auditHead(), signer, log, logger, policyVersion: () => '1+abcdef012345', intervalMs: 0, now: () => (clock += 1000) });
    for (let n = 1; n <= count; n++) {
      await recorder.record(decisionRecord(n));
      if (n % every === 0) await checkpointer.take('interval');
    }
    await recorder.drain();
    await checkpointer.close();
    await recorder.close();
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
