import { describe, expect, it } from 'vitest';
import { EvaluationError, parseEvaluation, type EvaluationInput } from '../../../src/authzen/parse-evaluation.js';

const LIMITS = { maxBodyBytes: 1024, maxHeaderBytes: 4096 };
// An unsigned stand-in: only the payload segment is read here (the pipeline verifies the signature).
const token = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
const AGENT = token({ agent_id: 'agent-1' });

function parse(resource: Record<string, unknown>, extra: Partial<EvaluationInput> = {}) {
  return parseEvaluation({ subject: { type: 'agent', id: 'agent-1' }, action: { name: 'POST' }, resource, context: { agent_token: AGENT }, ...extra }, LIMITS);
}

function reason(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof EvaluationError) return error.reason;
    throw error;
  }
  return 'no error';
}

describe('AuthZEN evaluation → the pipeline request', () => {
  it('an http resource is the request as sent: path not normalised, port dropped, host lower-cased', () => {
    const { request } = parse({ type: 'http', id: 'https://Payments.Internal:8443/payments/p1/../p2/approve?x=1&x=2' });
    expect(request).toMatchObject({ method: 'POST', host: 'payments.internal', path: '/payments/p1/../p2/approve', query: 'x=1&x=2', bodyTruncated: false });
    expect(request.headers.get('authorization')).toBe(`Bearer ${AGENT}`);
  });

  it('a JSON body, the chain as an array and the override token become what Envoy would carry', () => {
    const { request, traceparent } = parse(
      { type: 'http', id: 'http://[::1]:80/p', properties: { body: { amount: 5 }, headers: { 'X-Trace': 'a' } } },
      { context: { agent_token: AGENT, agent_chain: ['l0', 'l1'], override_token: 'ovr', traceparent: '00-abc-def-01' } },
    );
    expect(request.host).toBe('[::1]');
    expect(new TextDecoder().decode(request.body)).toBe('{"amount":5}');
    expect(Object.fromEntries(request.headers)).toMatchObject({ 'content-type': 'application/json', 'x-trace': 'a', 'x-agent-chain': 'l0,l1', 'x-dutygate-override': 'ovr' });
    expect(traceparent).toBe('00-abc-def-01');
  });

  it('an mcp_tool resource is the JSON-RPC tools/call POST, with SEP-2243 headers for 2026-07-28', () => {
    const { request } = parse({ type: 'mcp_tool', id: 'caf\u00e9', properties: { endpoint: 'https://mcp.internal/mcp', arguments: { a: 1 }, protocol_version: '2026-07-28' } }, { action: { name: 'tools/call' } });
    expect(JSON.parse(new TextDecoder().decode(request.body))).toEqual({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'caf\u00e9', arguments: { a: 1 } } });
    expect(Object.fromEntries(request.headers)).toMatchObject({ 'mcp-method': 'tools/call', 'mcp-name': `=?base64?${Buffer.from('caf\u00e9').toString('base64')}?=` });
  });

  it('an RFC 8693 token names its agent in act.sub', () => {
    const actToken = token({ sub: 'sso:alice', act: { sub: 'agent-1' } });
    expect(() => parse({ type: 'http', id: 'https://h/p' }, { context: { agent_token: actToken } })).not.toThrow();
    expect(reason(() => parse({ type: 'http', id: 'https://h/p' }, { subject: { type: 'agent', id: 'agent-2' }, context: { agent_token: actToken } }))).toContain('subject.id');
  });

  it.each<[string, () => unknown, string]>([
    ['a subject that is not the token\'s agent', () => parse({ type: 'http', id: 'https://h/p' }, { subject: { type: 'agent', id: 'other' } }), 'subject.id is not the agent_id'],
    ['a subject type other than agent', () => parse({ type: 'http', id: 'https://h/p' }, { subject: { type: 'user', id: 'agent-1' } }), 'subject.type'],
    ['credentials as resource headers', () => parse({ type: 'http', id: 'https://h/p', properties: { headers: { Authorization: 'Bearer x' } } }), 'send authorization in context'],
    ['body and body_text', () => parse({ type: 'http', id: 'https://h/p', properties: { body: {}, body_text: '{}' } }), 'not both'],
    ['a relative URL', () => parse({ type: 'http', id: '/payments' }), 'absolute http(s) URL'],
    ['a URL with a fragment', () => parse({ type: 'http', id: 'https://h/p#frag' }), 'absolute http(s) URL'],
    ['a body over limits.max_body_bytes', () => parse({ type: 'http', id: 'https://h/p', properties: { body_text: 'x'.repeat(2000) } }), 'exceeds 1024 bytes'],
    ['a chain link with a comma', () => parse({ type: 'http', id: 'https://h/p' }, { context: { agent_token: AGENT, agent_chain: ['a,b'] } }), 'agent_chain'],
    ['an mcp_tool with another method', () => parse({ type: 'mcp_tool', id: 't', properties: { endpoint: 'https://m/mcp' } }, { action: { name: 'tools/list' } }), 'tools/call'],
  ])('refuses %s', (_name, run, expected) => {
    expect(reason(run)).toContain(expected);
  });
});
