import { describe, expect, it } from 'vitest';
import { buildDeniedResponse, buildOkResponse } from '../../src/authz/build-response.js';
import type { CheckOutcome } from '../../src/check/outcome.js';
import { loadBenchProtos } from '../../bench/bench-protos.js';
import { readStatusCode, summarizeResponse, UNREADABLE } from '../../bench/load/read-response.js';

const base = { decisionId: 'd-1', phase: 'policy', policyVersion: 'v1+abc', agentId: 'finance-1', shadow: false, wouldBlock: false } as const;
const encode = (response: ReturnType<typeof buildOkResponse>) => loadBenchProtos().check.responseSerialize(response);

describe('readStatusCode and summarizeResponse on the gate’s own responses', () => {
  const cases: { name: string; outcome: CheckOutcome; status: number; decision: string; code: string }[] = [
    { name: 'allow', outcome: { ...base, decision: 'allow', code: 'OK' }, status: 0, decision: 'allow', code: 'OK' },
    { name: 'policy deny', outcome: { ...base, decision: 'deny', code: 'POLICY_DENY', reason: 'no' }, status: 7, decision: 'deny', code: 'POLICY_DENY' },
    { name: 'approval needed', outcome: { ...base, decision: 'approval_needed', code: 'APPROVAL_REQUIRED', approvalId: 'apr_1' }, status: 7, decision: 'approval_needed', code: 'APPROVAL_REQUIRED' },
    { name: 'replay', outcome: { ...base, decision: 'deny', code: 'REPLAY' }, status: 16, decision: 'deny', code: 'REPLAY' },
    { name: 'fail closed', outcome: { ...base, decision: 'deny', code: 'STATE_UNAVAILABLE' }, status: 14, decision: 'deny', code: 'STATE_UNAVAILABLE' },
  ];
  for (const { name, outcome, status, decision, code } of cases) {
    it(name, () => {
      const bytes = encode(outcome.code === 'OK' ? buildOkResponse(outcome) : buildDeniedResponse(outcome));
      expect(readStatusCode(bytes)).toBe(status);
      expect(summarizeResponse(bytes)).toEqual({ status, decision, code });
    });
  }

  it('an empty message is status 0 (proto3 default)', () => {
    expect(readStatusCode(new Uint8Array(0))).toBe(0);
  });

  it.each([
    ['truncated length', [0x0a, 0x05, 0x08]],
    ['status of the wrong wire type', [0x08, 0x07]],
    ['unterminated varint', [0x0a, 0x02, 0x08, 0x80]],
    ['unknown wire type', [0x0f]],
  ] as const)('%s → UNREADABLE', (_name, bytes) => {
    expect(readStatusCode(Uint8Array.from(bytes as readonly number[]))).toBe(UNREADABLE);
  });
});
