import { describe, expect, it } from 'vitest';
import { DutygateError } from '../../../src/errors.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import type { ToolCall } from '../../../src/policy/types.js';
import { mapRequest } from '../../../src/policy/mapping/map-request.js';
import { LIMITS, requestOf } from './request-of.js';

const POLICY = parsePolicy(
  `version: "1"
tools:
  - { name: github-mcp, match: { host: mcp.internal, path: /mcp }, protocol: mcp }
rules: []
`,
  'policy.yaml',
);

/** Maps one MCP request; returns the tool call or the refusal code. */
function mcp(body: unknown, init: { method?: string; truncated?: boolean } = {}): ToolCall | string | undefined {
  try {
    return mapRequest(POLICY, requestOf({ method: init.method ?? 'POST', host: 'mcp.internal', path: '/mcp', body, bodyTruncated: init.truncated ?? false, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }), LIMITS);
  } catch (error) {
    if (error instanceof DutygateError) return error.code;
    throw error;
  }
}

const rpc = (message: Record<string, unknown>) => ({ jsonrpc: '2.0', ...message });

describe('MCP: mapped tool calls', () => {
  it.each<[string, unknown, string, Record<string, unknown>]>([
    ['tools/call → mcp:<name> with arguments', rpc({ id: 1, method: 'tools/call', params: { name: 'create_issue', arguments: { repo: 'a/b', title: 't' } } }), 'mcp:create_issue', { repo: 'a/b', title: 't' }],
    ['tools/call without arguments → {}', rpc({ id: 'x', method: 'tools/call', params: { name: 'list_repos' } }), 'mcp:list_repos', {}],
    ['tools/call with _meta keeps only the arguments', rpc({ id: 2, method: 'tools/call', params: { name: 'n', arguments: { a: 1 }, _meta: { progressToken: 1 } } }), 'mcp:n', { a: 1 }],
    ['initialize', rpc({ id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {} } }), 'mcp.method:initialize', { protocolVersion: '2025-06-18', capabilities: {} }],
    ['tools/list without params', rpc({ id: 3, method: 'tools/list' }), 'mcp.method:tools/list', {}],
    ['ping', rpc({ id: 4, method: 'ping' }), 'mcp.method:ping', {}],
    ['resources/read exposes uri', rpc({ id: 5, method: 'resources/read', params: { uri: 'file:///etc/passwd' } }), 'mcp.method:resources/read', { uri: 'file:///etc/passwd' }],
    ['a notification (no id)', rpc({ method: 'notifications/initialized' }), 'mcp.method:notifications/initialized', {}],
    ['a tools/call notification is still a tool call', rpc({ method: 'tools/call', params: { name: 'fire' } }), 'mcp:fire', {}],
    ['a response to a server request', rpc({ id: 9, result: { content: [] } }), 'mcp.response', {}],
    ['an error response', rpc({ id: 9, error: { code: -1, message: 'no' } }), 'mcp.response', {}],
  ])('%s', (_name, body, name, params) => {
    const id = (body as { id?: string | number }).id;
    // The JSON-RPC id travels along as a string, for the span's jsonrpc.request.id.
    expect(mcp(body)).toEqual({ name, entry: 'github-mcp', params, ...(id === undefined ? {} : { jsonrpcId: String(id) }) });
  });

  it.each(['GET', 'DELETE'])('%s without a JSON-RPC body → mcp.stream', (method) => {
    expect(mcp(undefined, { method })).toEqual({ name: 'mcp.stream', entry: 'github-mcp', params: {} });
  });
});

describe('MCP: refusals', () => {
  it.each<[string, unknown, string]>([
    ['a batch', [rpc({ id: 1, method: 'tools/call', params: { name: 'a' } })], 'MCP_BATCH'],
    ['an empty batch', [], 'MCP_BATCH'],
    ['no jsonrpc', { id: 1, method: 'ping' }, 'MCP_MALFORMED'],
    ['jsonrpc 1.0', { jsonrpc: '1.0', id: 1, method: 'ping' }, 'MCP_MALFORMED'],
    ['jsonrpc as a number', { jsonrpc: 2.0, id: 1, method: 'ping' }, 'MCP_MALFORMED'],
    ['method not a string', rpc({ id: 1, method: 7 }), 'MCP_MALFORMED'],
    ['empty method', rpc({ id: 1, method: '' }), 'MCP_MALFORMED'],
    ['params as an array', rpc({ id: 1, method: 'tools/list', params: [] }), 'MCP_MALFORMED'],
    ['params null', rpc({ id: 1, method: 'tools/list', params: null }), 'MCP_MALFORMED'],
    ['tools/call without params', rpc({ id: 1, method: 'tools/call' }), 'MCP_MALFORMED'],
    ['tools/call name not a string', rpc({ id: 1, method: 'tools/call', params: { name: ['a'] } }), 'MCP_MALFORMED'],
    ['tools/call empty name', rpc({ id: 1, method: 'tools/call', params: { name: '' } }), 'MCP_MALFORMED'],
    ['tools/call arguments as an array', rpc({ id: 1, method: 'tools/call', params: { name: 'a', arguments: [1] } }), 'MCP_MALFORMED'],
    ['tools/call arguments null', rpc({ id: 1, method: 'tools/call', params: { name: 'a', arguments: null } }), 'MCP_MALFORMED'],
    ['id null', rpc({ id: null, method: 'ping' }), 'MCP_MALFORMED'],
    ['id an object', rpc({ id: {}, method: 'ping' }), 'MCP_MALFORMED'],
    ['id fractional', rpc({ id: 1.5, method: 'ping' }), 'MCP_MALFORMED'],
    ['neither method nor result', rpc({ id: 1 }), 'MCP_MALFORMED'],
    ['both result and error', rpc({ id: 1, result: {}, error: {} }), 'MCP_MALFORMED'],
    ['a scalar', '"ping"', 'MCP_MALFORMED'],
    ['an empty POST', '', 'MCP_MALFORMED'],
    ['duplicate keys hiding an argument', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"pay","arguments":{"amount":1,"amount":9999}}}', 'BODY_DUPLICATE_KEY'],
    ['duplicate tool name', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read","name":"delete"}}', 'BODY_DUPLICATE_KEY'],
    ['non-finite argument', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"n":1e999}}}', 'BODY_NON_FINITE'],
    ['malformed JSON', '{"jsonrpc":"2.0",', 'BODY_MALFORMED'],
  ])('%s', (_name, body, code) => {
    expect(mcp(body)).toBe(code);
  });

  it('refuses a truncated message', () => {
    expect(mcp(rpc({ id: 1, method: 'ping' }), { truncated: true })).toBe('BODY_TOO_LARGE');
  });

  it('refuses a GET carrying a body', () => {
    expect(mcp(rpc({ id: 1, method: 'ping' }), { method: 'GET' })).toBe('MCP_MALFORMED');
  });

  it('maps nothing on another host', () => {
    expect(mapRequest(POLICY, requestOf({ host: 'other', path: '/mcp', body: rpc({ id: 1, method: 'ping' }) }), LIMITS)).toBeUndefined();
  });
});
