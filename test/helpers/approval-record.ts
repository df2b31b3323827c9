/**
 * A pending call approval for unit tests: one record shape to keep in step with
 * `src/state/approval-record.ts`, each test overriding what it is about.
 */
import type { ApprovalRecord } from '../../src/state/approval-record.js';

/** A pending approval of finance-a (via planner, for sso:carol) created at `createdAt`, 15 min TTL. */
export function approvalRecordOf(createdAt: number, fields: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    approvalId: 'apr_1',
    kind: 'call',
    requestKey: 'k',
    status: 'pending',
    agentId: 'finance-a',
    initiator: 'sso:carol',
    chain: ['planner'],
    tool: 'payments.create',
    paramsHash: 'ab'.repeat(32),
    ruleId: 'large',
    policyVersion: '1+abc',
    approvers: ['sso:frank'],
    quorum: 1,
    createdAt,
    expiresAt: createdAt + 900_000,
    votes: [],
    ...fields,
  };
}
