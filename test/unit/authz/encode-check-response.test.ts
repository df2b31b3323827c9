/**
 * The hand-written CheckResponse encoder against the service definition's own serializer
 * (proto-loader over dutygate's protos): the same bytes for every kind of response the gate
 * builds, and Envoy's protos (the peer) read back what the builders meant.
 */
import { describe, expect, it } from 'vitest';
import { CODES } from '../../../src/errors.js';
import type { Code } from '../../../src/errors.js';
import { toCheckResponse } from '../../../src/authz/index.js';
import { encodeCheckResponse } from '../../../src/authz/encode-check-response.js';
import { loadProtos } from '../../../src/authz/load-protos.js';
import type { WireCheckResponse } from '../../../src/authz/wire-types.js';
import type { CheckOutcome } from '../../../src/check/outcome.js';
import { decodeEnvoyCheckResponse } from '../../helpers/envoy-client.js';
import { ALLOW_OUTCOME } from './outcomes.js';

const check = loadProtos().authorization['Check'];
if (check === undefined) throw new Error('proto/ has no Authorization/Check');
const reference = (response: WireCheckResponse): Buffer => check.responseSerialize(response);

const base: CheckOutcome = ALLOW_OUTCOME;

const long = 'v'.repeat(300);
const outcomes: [string, CheckOutcome][] = [
  ['allow', base],
  ['allow without a parent or agent', { ...base, agentId: undefined, parentAgentId: undefined }],
  [
    'sanitize with every kind of change, unicode and long values',
    {
      ...base,
      decision: 'sanitize',
      changes: { setHeaders: { 'x-reviewed-by': 'dütygate ✓', 'x-long': long }, removeHeaders: ['x-debug'], setQuery: { dry_run: 'true', note: long }, removeQuery: ['token'] },
      strip: { headers: ['x-dutygate-hint'], query: ['_method'] },
    },
  ],
  ['shadow allow that would block', { ...base, shadow: true, wouldBlock: true }],
  ['shadow allow that would not block', { ...base, shadow: true, wouldBlock: false }],
  ['break-glass allow', { ...base, liftedBy: 'break_glass' }],
  ['override allow', { ...base, liftedBy: 'override', approvalId: 'ap-1' }],
  [
    'deny with a clause',
    {
      ...base,
      decision: 'deny',
      code: 'SOD_SAME_AGENT',
      ruleId: 'approve-and-release',
      clause: { name: 'SOD_SAME_AGENT', text: `An agent may not approve what it initiated. ${long}`, source: 'policy.yaml#/clauses/SOD_SAME_AGENT' },
    },
  ],
  ['approval_needed', { ...base, decision: 'approval_needed', code: 'APPROVAL_REQUIRED', approvalId: 'ap-7', reason: 'needs a human' }],
  ['deny with nothing known', { decision: 'deny', code: 'POLICY_UNAVAILABLE', decisionId: 'd-1', phase: 'policy', shadow: false, wouldBlock: false }],
  ...(Object.keys(CODES) as Code[])
    .filter((code) => code !== 'OK')
    .map((code): [string, CheckOutcome] => [`deny ${code}`, { ...base, decision: 'deny', code, reason: `because ${code}` }]),
];

describe('encodeCheckResponse', () => {
  it.each(outcomes)('%s: the same bytes as proto-loader, and Envoy reads the same message', (_name, outcome) => {
    const response = toCheckResponse(outcome);
    const bytes = encodeCheckResponse(response);
    expect(bytes.equals(reference(response))).toBe(true);
    expect(decodeEnvoyCheckResponse(bytes)).toEqual(decodeEnvoyCheckResponse(reference(response)));
  });

  it('returns a buffer of its own for every response (the writer is reused)', () => {
    const first = encodeCheckResponse(toCheckResponse(base));
    const copy = Buffer.from(first);
    encodeCheckResponse(toCheckResponse({ ...base, decision: 'deny', code: 'SOD_SAME_AGENT' }));
    expect(first.equals(copy)).toBe(true);
  });

  it('writes number and null metadata values as the Struct serializer does', () => {
    const response = toCheckResponse(base);
    const fields = { ...response.dynamic_metadata.fields, n: { numberValue: 1.5 }, z: { numberValue: 0 }, x: { nullValue: 'NULL_VALUE' as const } };
    const withValues = { ...response, dynamic_metadata: { fields } };
    expect(encodeCheckResponse(withValues).equals(reference(withValues))).toBe(true);
  });
});
