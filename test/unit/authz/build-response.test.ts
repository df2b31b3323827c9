import { describe, expect, it } from 'vitest';
import { buildDeniedResponse, buildOkResponse, toCheckResponse } from '../../../src/authz/index.js';
import { loadProtos } from '../../../src/authz/load-protos.js';
import type { CheckOutcome } from '../../../src/check/outcome.js';
import type { Code } from '../../../src/errors.js';
import { decodeEnvoyCheckResponse, summarizeCheckResponse } from '../../helpers/envoy-client.js';

const OVERWRITE = 'OVERWRITE_IF_EXISTS_OR_ADD';
const DECISION_ID = '6f1c2a4e-8d3b-4f5a-9c7e-1b2d3e4f5a6b';

const allow: CheckOutcome = {
  decision: 'allow',
  code: 'OK',
  decisionId: DECISION_ID,
  phase: 'policy',
  policyVersion: '2026-11-21.1+0123456789ab',
  agentId: 'finance-exec',
  parentAgentId: 'planner',
  shadow: false,
  wouldBlock: false,
};

const header = (key: string, value: string) => ({ header: { key, value }, append_action: OVERWRITE });

describe('buildOkResponse', () => {
  it('allow: status 0, identity headers, stripped credentials, metadata', () => {
    expect(buildOkResponse(allow)).toEqual({
      status: { code: 0 },
      ok_response: {
        headers: [
          header('x-agent-id', 'finance-exec'),
          header('x-parent-agent-id', 'planner'),
          header('x-dutygate-decision-id', DECISION_ID),
        ],
        headers_to_remove: ['authorization', 'x-agent-chain', 'x-dutygate-override'],
        query_parameters_to_set: [],
        query_parameters_to_remove: [],
      },
      dynamic_metadata: {
        fields: {
          decision: { stringValue: 'allow' },
          decision_id: { stringValue: DECISION_ID },
          code: { stringValue: 'OK' },
          agent_id: { stringValue: 'finance-exec' },
          policy_version: { stringValue: '2026-11-21.1+0123456789ab' },
        },
      },
    });
  });

  it('allow without a parent removes any client-sent x-parent-agent-id instead of setting it', () => {
    const response = buildOkResponse({ ...allow, parentAgentId: undefined });
    if (!('ok_response' in response)) throw new Error('expected ok_response');
    expect(response.ok_response.headers.map((h) => h.header.key)).toEqual(['x-agent-id', 'x-dutygate-decision-id']);
    expect(response.ok_response.headers_to_remove).toEqual(['authorization', 'x-agent-chain', 'x-dutygate-override', 'x-parent-agent-id']);
  });

  it('sanitize: rule changes, then identity headers (which rules cannot set or remove), query mutations', () => {
    const response = buildOkResponse({
      ...allow,
      decision: 'sanitize',
      changes: {
        setHeaders: { 'x-reviewed-by': 'dutygate', 'x-agent-id': 'spoofed' },
        removeHeaders: ['x-debug', 'X-Parent-Agent-Id'],
        setQuery: { dry_run: 'true' },
        removeQuery: ['token'],
      },
    });
    if (!('ok_response' in response)) throw new Error('expected ok_response');
    expect(response.ok_response).toEqual({
      headers: [
        header('x-reviewed-by', 'dutygate'),
        header('x-agent-id', 'finance-exec'),
        header('x-parent-agent-id', 'planner'),
        header('x-dutygate-decision-id', DECISION_ID),
      ],
      headers_to_remove: ['authorization', 'x-agent-chain', 'x-dutygate-override', 'x-debug'],
      query_parameters_to_set: [{ key: 'dry_run', value: 'true' }],
      query_parameters_to_remove: ['token'],
    });
    expect(response.dynamic_metadata.fields.decision).toEqual({ stringValue: 'sanitize' });
  });

  it('shadow allow records shadow and would_block in metadata', () => {
    const response = buildOkResponse({ ...allow, shadow: true, wouldBlock: true });
    expect(response.dynamic_metadata.fields).toMatchObject({ shadow: { boolValue: true }, would_block: { boolValue: true } });
    const plain = buildOkResponse(allow);
    expect(Object.keys(plain.dynamic_metadata.fields)).not.toContain('shadow');
  });
});

const deny: CheckOutcome = {
  decision: 'deny',
  code: 'SOD_SAME_AGENT',
  decisionId: DECISION_ID,
  phase: 'policy',
  policyVersion: '2026-11-21.1+0123456789ab',
  agentId: 'finance-exec',
  ruleId: 'approve-and-release',
  clause: {
    name: 'SOD_SAME_AGENT',
    text: 'An agent may not approve or execute an action that it, or one of its ancestors, initiated.',
    source: 'policy.yaml#/clauses/SOD_SAME_AGENT',
  },
  shadow: false,
  wouldBlock: false,
};

function deniedParts(outcome: CheckOutcome) {
  const response = buildDeniedResponse(outcome);
  if (!('denied_response' in response)) throw new Error('expected denied_response');
  return { response, denied: response.denied_response, body: JSON.parse(response.denied_response.body) as Record<string, unknown> };
}

describe('buildDeniedResponse', () => {
  it('deny: status, HTTP status, headers and the exact JSON body', () => {
    const { response, denied, body } = deniedParts(deny);
    expect(response.status).toEqual({ code: 7, message: 'SOD_SAME_AGENT' });
    expect(denied.status).toEqual({ code: 403 });
    expect(denied.headers).toEqual([header('content-type', 'application/json'), header('x-dutygate-decision-id', DECISION_ID)]);
    expect(body).toStrictEqual({
      decision: 'deny',
      code: 'SOD_SAME_AGENT',
      clause: deny.clause!.text,
      source: 'policy.yaml#/clauses/SOD_SAME_AGENT',
      decision_id: DECISION_ID,
      policy_version: '2026-11-21.1+0123456789ab',
      rule_id: 'approve-and-release',
    });
    expect(response.dynamic_metadata.fields).toStrictEqual({
      decision: { stringValue: 'deny' },
      decision_id: { stringValue: DECISION_ID },
      code: { stringValue: 'SOD_SAME_AGENT' },
      agent_id: { stringValue: 'finance-exec' },
      policy_version: { stringValue: '2026-11-21.1+0123456789ab' },
    });
  });

  it('deny without clause, policy or agent: the six keys stay, with nulls', () => {
    const { body, response } = deniedParts({ decision: 'deny', code: 'POLICY_UNAVAILABLE', decisionId: DECISION_ID, phase: 'policy', shadow: false, wouldBlock: false });
    expect(body).toStrictEqual({
      decision: 'deny',
      code: 'POLICY_UNAVAILABLE',
      clause: null,
      source: null,
      decision_id: DECISION_ID,
      policy_version: null,
    });
    expect(Object.keys(response.dynamic_metadata.fields)).toEqual(['decision', 'decision_id', 'code']);
  });

  it('approval_needed: approval header, approval_id and status_url in the body', () => {
    const { response, denied, body } = deniedParts({
      ...deny,
      decision: 'approval_needed',
      code: 'APPROVAL_REQUIRED',
      ruleId: 'finance-large-payments',
      reason: 'amount 9000 is above 5000',
      approvalId: 'apr_01',
      statusUrl: 'http://dutygate:8181/v1/approvals/apr_01',
    });
    expect(response.status).toEqual({ code: 7, message: 'APPROVAL_REQUIRED' });
    expect(denied.status).toEqual({ code: 403 });
    expect(denied.headers).toEqual([
      header('content-type', 'application/json'),
      header('x-dutygate-decision-id', DECISION_ID),
      header('x-dutygate-approval-id', 'apr_01'),
    ]);
    expect(Object.keys(body).sort()).toEqual(
      ['decision', 'code', 'clause', 'source', 'decision_id', 'policy_version', 'reason', 'rule_id', 'approval_id', 'status_url'].sort(),
    );
    expect(body).toMatchObject({ decision: 'approval_needed', approval_id: 'apr_01', status_url: 'http://dutygate:8181/v1/approvals/apr_01', reason: 'amount 9000 is above 5000' });
  });

  it.each([
    ['TOKEN_EXPIRED', 16, 401],
    ['REPLAY', 16, 401],
    ['CHAIN_INVALID', 7, 403],
    ['NO_RULE', 7, 403],
    ['BODY_TOO_LARGE', 7, 400],
    ['REQUEST_MALFORMED', 7, 400],
    ['STATE_UNAVAILABLE', 14, 503],
    ['INTERNAL', 14, 503],
  ] as [Code, number, number][])('%s → gRPC %i, HTTP %i', (code, grpc, http) => {
    const { response, denied } = deniedParts({ ...deny, code });
    expect(response.status).toEqual({ code: grpc, message: code });
    expect(denied.status.code).toBe(http);
  });

  it('401 carries a Bearer challenge (RFC 9110 §15.5.2, RFC 6750 §3)', () => {
    const challenge = (code: Code) => deniedParts({ ...deny, code }).denied.headers.find((h) => h.header.key === 'www-authenticate')?.header.value;
    expect(challenge('TOKEN_MISSING')).toBe('Bearer realm="dutygate"');
    expect(challenge('TOKEN_SIGNATURE')).toBe('Bearer realm="dutygate", error="invalid_token"');
    expect(challenge('NO_RULE')).toBeUndefined();
  });

  it('a deny that claims code OK fails closed as INTERNAL, never status 0', () => {
    const { response, denied, body } = deniedParts({ ...deny, code: 'OK' });
    expect(response.status).toEqual({ code: 14, message: 'INTERNAL' });
    expect(denied.status.code).toBe(503);
    expect(body.code).toBe('INTERNAL');
  });

  it('shadow deny metadata (not normally produced, but recorded faithfully)', () => {
    const { response } = deniedParts({ ...deny, shadow: true, wouldBlock: false });
    expect(response.dynamic_metadata.fields).toMatchObject({ shadow: { boolValue: true }, would_block: { boolValue: false } });
  });
});

describe('toCheckResponse', () => {
  it.each([
    ['allow', 'ok_response'],
    ['sanitize', 'ok_response'],
    ['deny', 'denied_response'],
    ['approval_needed', 'denied_response'],
  ] as const)('%s → %s', (decision, member) => {
    const response = toCheckResponse({ ...deny, decision, code: decision.endsWith('w') || decision === 'sanitize' ? 'OK' : 'NO_RULE' });
    expect(Object.keys(response)).toContain(member);
    expect(Object.keys(response)).toHaveLength(3);
  });
});

describe('wire compatibility: our proto encodes, Envoy’s official proto decodes', () => {
  const encode = loadProtos().authorization.Check!.responseSerialize;

  it('keeps every field of an ok_response', () => {
    const bytes = encode(buildOkResponse({ ...allow, shadow: true, wouldBlock: true, changes: { setHeaders: { a: 'b' }, removeHeaders: [], setQuery: { q: '1' }, removeQuery: ['t'] } }));
    const decoded = decodeEnvoyCheckResponse(bytes);
    expect(decoded.http_response).toBe('ok_response');
    expect(decoded.ok_response!.query_parameters_to_set).toEqual([{ key: 'q', value: '1' }]);
    expect(decoded.ok_response!.query_parameters_to_remove).toEqual(['t']);
    expect(decoded.ok_response!.headers[0]!.append).toBeNull();
    const summary = summarizeCheckResponse(decoded);
    expect(summary.grpcCode).toBe(0);
    expect(summary.headers['x-dutygate-decision-id']).toEqual({ value: DECISION_ID, appendAction: OVERWRITE });
    expect(summary.metadata).toStrictEqual({
      decision: 'allow',
      decision_id: DECISION_ID,
      code: 'OK',
      agent_id: 'finance-exec',
      policy_version: '2026-11-21.1+0123456789ab',
      shadow: true,
      would_block: true,
    });
  });

  it('keeps every field of a denied_response', () => {
    const summary = summarizeCheckResponse(decodeEnvoyCheckResponse(encode(buildDeniedResponse({ ...deny, code: 'TOKEN_EXPIRED' }))));
    expect(summary.grpcCode).toBe(16);
    expect(summary.httpStatus).toBe(401);
    expect(summary.body).toMatchObject({ code: 'TOKEN_EXPIRED', decision_id: DECISION_ID });
    expect(summary.metadata.code).toBe('TOKEN_EXPIRED');
  });
});
