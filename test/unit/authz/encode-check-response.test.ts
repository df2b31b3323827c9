/**
 * The hand-written CheckResponse encoder must write the very bytes proto-loader's serializer
 * writes for every response build-response.ts can make (allow, sanitize with header and query
 * changes, shadow, break-glass, every deny code, approval_needed, non-ASCII text, empty strings),
 * and hand anything it was not written for back to that serializer (undefined).
 */
import { describe, expect, it } from 'vitest';
import { encodeCheckResponse } from '../../../src/authz/encode-check-response.js';
import { buildDeniedResponse, buildOkResponse } from '../../../src/authz/index.js';
import { loadProtos } from '../../../src/authz/load-protos.js';
import type { WireCheckResponse } from '../../../src/authz/wire-types.js';
import type { CheckOutcome } from '../../../src/check/outcome.js';
import { CODES, type DenyCode } from '../../../src/errors.js';

const serialize = loadProtos().authorization.Check!.responseSerialize as (value: WireCheckResponse) => Buffer;

const base: CheckOutcome = {
  decision: 'allow',
  code: 'OK',
  decisionId: '6f1c2a4e-8d3b-4f5a-9c7e-1b2d3e4f5a6b',
  phase: 'policy',
  policyVersion: '2026-11-21.1+0123456789ab',
  agentId: 'finance-exec',
  parentAgentId: 'planner',
  shadow: false,
  wouldBlock: false,
};

const allows: CheckOutcome[] = [
  base,
  { decision: 'allow', code: 'OK', decisionId: 'no-agent', phase: 'mapping', shadow: false, wouldBlock: false },
  { decision: 'allow', code: 'OK', decisionId: 'd', phase: 'policy', shadow: false, wouldBlock: false },
  {
    ...base,
    decision: 'sanitize',
    changes: { setHeaders: { 'x-reviewed-by': 'dutygate', 'x-empty': '', 'x-agent-id': 'forged', 'x-ünï': 'välue €😀' }, removeHeaders: ['x-debug', 'X-Agent-Id'], setQuery: { mode: 'safe', '': 'blank', 'k€y': '😀' }, removeQuery: ['token'] },
    strip: { headers: ['x-dutygate-approval-id', 'x-reviewed-by', 'x-other'], query: ['_method', 'mode'] },
  },
  { ...base, shadow: true, wouldBlock: true, wouldBlockCode: 'POLICY_DENY' },
  { ...base, shadow: true, wouldBlock: false },
  { ...base, liftedBy: 'break_glass', approvalId: 'apr_x' },
  { ...base, liftedBy: 'override', approvalId: 'apr_y' },
  { ...base, decisionId: 'x'.repeat(300), agentId: 'a'.repeat(200) },
];

const denies: CheckOutcome[] = [
  ...(Object.keys(CODES).filter((code) => code !== 'OK') as DenyCode[]).map((code): CheckOutcome => ({ ...base, decision: 'deny', code, reason: `reason for ${code}` })),
  { ...base, decision: 'deny', code: 'POLICY_DENY', ruleId: 'no-sanctioned', clause: { name: 'sanctions', text: 'Never pay a sanctioned account — “§ 4.2” 😀', source: 'policy.yaml:12' } },
  { ...base, decision: 'approval_needed', code: 'APPROVAL_REQUIRED', approvalId: 'apr_abc', statusUrl: 'http://127.0.0.1:8181/v1/approvals/apr_abc', reason: '' },
  { ...base, decision: 'deny', code: 'OK' },
  { decision: 'deny', code: 'TOKEN_MISSING', decisionId: '', phase: 'identity', shadow: false, wouldBlock: false },
];

describe('encodeCheckResponse', () => {
  for (const [i, outcome] of allows.entries()) {
    it(`ok response ${i}: the bytes proto-loader writes`, () => {
      const response = buildOkResponse(outcome);
      expect(encodeCheckResponse(response)?.toString('hex')).toBe(serialize(response).toString('hex'));
    });
  }
  for (const [i, outcome] of denies.entries()) {
    it(`denied response ${i} (${outcome.code}): the bytes proto-loader writes`, () => {
      const response = buildDeniedResponse(outcome);
      expect(encodeCheckResponse(response)?.toString('hex')).toBe(serialize(response).toString('hex'));
    });
  }

  it('metadata of every value kind, and keep_empty_value', () => {
    const response: WireCheckResponse = {
      status: { code: 0 },
      ok_response: { headers: [{ header: { key: 'k', value: '' }, append_action: 'ADD_IF_ABSENT', keep_empty_value: true }, { header: { key: 'k2', value: 'v' }, keep_empty_value: false }], headers_to_remove: [], query_parameters_to_set: [], query_parameters_to_remove: [] },
      dynamic_metadata: { fields: { s: { stringValue: 'x' }, n: { numberValue: -1.5e300 }, t: { boolValue: true }, f: { boolValue: false }, z: { nullValue: 'NULL_VALUE' }, e: { stringValue: '' } } },
    };
    expect(encodeCheckResponse(response)?.toString('hex')).toBe(serialize(response).toString('hex'));
  });

  it('leaves text that is not well-formed UTF-16 to proto-loader', () => {
    expect(encodeCheckResponse(buildOkResponse({ ...base, agentId: 'agent\ud800' }))).toBeUndefined();
    expect(encodeCheckResponse(buildDeniedResponse({ ...base, decision: 'deny', code: 'POLICY_DENY', decisionId: '\udc00' }))).toBeUndefined();
  });
});
