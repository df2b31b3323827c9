import { describe, expect, it } from 'vitest';
import { DutygateError } from '../../../src/errors.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import type { ToolCall } from '../../../src/policy/types.js';
import { mapRequest } from '../../../src/policy/mapping/map-request.js';
import { LIMITS, requestOf } from './request-of.js';

// SEP-2243 / MCP 2026-07-28: Mcp-Method and Mcp-Name mirror the JSON-RPC method and target.
const POLICY = parsePolicy(
  `version: "1"
tools:
  - { name: mcp, match: { host: mcp.internal, path: /mcp }, protocol: mcp }
rules: []
`,
  'policy.yaml',
);

const NEW = '2026-07-28';
const OLD = '2025-11-25';

interface Init {
  version?: string;
  method?: string;
  name?: string;
  body?: unknown;
  truncated?: boolean;
}

/** Maps one MCP POST; returns the tool call or the refusal code. */
function mcp(init: Init): ToolCall | string | undefined {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.version !== undefined) headers['mcp-protocol-version'] = init.version;
  if (init.method !== undefined) headers['mcp-method'] = init.method;
  if (init.name !== undefined) headers['mcp-name'] = init.name;
  try {
    return mapRequest(POLICY, requestOf({ method: 'POST', host: 'mcp.internal', path: '/mcp', body: init.body, bodyTruncated: init.truncated ?? false, headers }), LIMITS);
  } catch (error) {
    if (error instanceof DutygateError) return error.code;
    throw error;
  }
}

const call = (name: string, args: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
const tool = (name: string, params: Record<string, unknown>) => ({ name, entry: 'mcp', params });
/** The same, mapped from a body whose JSON-RPC id is 1 (it travels along for the span). */
const toolOfId1 = (name: string, params: Record<string, unknown>) => ({ ...tool(name, params), jsonrpcId: '1' });

describe('MCP 2026-07-28: mirrored headers are required', () => {
  it('headers that agree with the body: the body decides (arguments included)', () => {
    expect(mcp({ version: NEW, method: 'tools/call', name: 'pay', body: call('pay', { amount: 9 }) })).toEqual(toolOfId1('mcp:pay', { amount: 9 }));
  });

  it.each<[string, Init]>([
    ['Mcp-Method missing', { version: NEW, name: 'pay', body: call('pay') }],
    ['Mcp-Name missing for tools/call', { version: NEW, method: 'tools/call', body: call('pay') }],
    ['Mcp-Name missing for resources/read', { version: NEW, method: 'resources/read', body: { jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///a' } } }],
    ['Mcp-Name missing for prompts/get', { version: NEW, method: 'prompts/get', body: { jsonrpc: '2.0', id: 1, method: 'prompts/get', params: { name: 'p' } } }],
    ['Mcp-Method missing on a notification', { version: NEW, body: { jsonrpc: '2.0', method: 'notifications/progress', params: {} } }],
    ['Mcp-Method disagrees', { version: NEW, method: 'tools/list', name: 'pay', body: call('pay') }],
    ['Mcp-Name names an allowed tool, the body a forbidden one', { version: NEW, method: 'tools/call', name: 'read_file', body: call('delete_repo') }],
    ['Mcp-Name disagrees on resources/read', { version: NEW, method: 'resources/read', name: 'file:///public', body: { jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///etc/shadow' } } }],
    ['headers without a protocol version still must not lie', { method: 'tools/call', name: 'read_file', body: call('delete_repo') }],
    ['an older version with a lying Mcp-Name', { version: OLD, method: 'tools/call', name: 'read_file', body: call('delete_repo') }],
    ['Mcp-Name on a method that mirrors none', { version: NEW, method: 'tools/list', name: 'x', body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } }],
    ['Mcp-Method on a response', { version: NEW, method: 'tools/call', body: { jsonrpc: '2.0', id: 1, result: {} } }],
    ['an undecodable base64 Mcp-Name', { version: NEW, method: 'tools/call', name: '=?base64?/w==?=', body: call('pay') }],
    ['a non-ASCII Mcp-Name sent raw', { version: NEW, method: 'tools/call', name: 'caf\u00e9', body: call('caf\u00e9') }],
  ])('%s → MCP_HEADER_MISMATCH', (_name, init) => {
    expect(mcp(init)).toBe('MCP_HEADER_MISMATCH');
  });

  it('a base64-encoded Mcp-Name is decoded before the comparison (SEP-2243 value encoding)', () => {
    const encoded = `=?base64?${Buffer.from('file:///caf\u00e9').toString('base64')}?=`;
    const read = { jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///caf\u00e9' } };
    expect(mcp({ version: NEW, method: 'resources/read', name: encoded, body: read })).toEqual(toolOfId1('mcp.method:resources/read', { uri: 'file:///caf\u00e9' }));
    // A tool name outside the MCP guidance is refused whatever the header encoding (issue 13).
    const named = `=?base64?${Buffer.from('caf\u00e9').toString('base64')}?=`;
    expect(mcp({ version: NEW, method: 'tools/call', name: named, body: call('caf\u00e9') })).toBe('MCP_TOOL_NAME');
  });

  it('a later revision is held to the same rule', () => {
    expect(mcp({ version: '2027-03-01', name: 'pay', body: call('pay') })).toBe('MCP_HEADER_MISMATCH');
  });

  it('a response needs no mirrored headers', () => {
    expect(mcp({ version: NEW, body: { jsonrpc: '2.0', id: 1, result: {} } })).toEqual(toolOfId1('mcp.response', {}));
  });
});

describe('MCP 2026-07-28: a body Envoy did not buffer or cut is judged from the headers', () => {
  it.each<[string, Init, ToolCall]>([
    ['tools/call without a body → mcp:<Mcp-Name>, arguments unseen', { version: NEW, method: 'tools/call', name: 'pay' }, tool('mcp:pay', {})],
    ['tools/call with a cut body → mcp:<Mcp-Name>', { version: NEW, method: 'tools/call', name: 'pay', body: '{"jsonrpc":"2.0","id":1,"method":"tools/c', truncated: true }, tool('mcp:pay', {})],
    ['resources/read → the uri param from Mcp-Name', { version: NEW, method: 'resources/read', name: 'file:///a' }, tool('mcp.method:resources/read', { uri: 'file:///a' })],
    ['prompts/get → the name param from Mcp-Name', { version: NEW, method: 'prompts/get', name: 'review' }, tool('mcp.method:prompts/get', { name: 'review' })],
    ['server/discover (new in 2026-07-28)', { version: NEW, method: 'server/discover' }, tool('mcp.method:server/discover', {})],
    ['subscriptions/listen (new in 2026-07-28)', { version: NEW, method: 'subscriptions/listen' }, tool('mcp.method:subscriptions/listen', {})],
  ])('%s', (_name, init, expected) => {
    expect(mcp(init)).toEqual(expected);
  });

  it('without the headers an unbuffered call denies', () => {
    expect(mcp({ version: NEW, name: 'pay', truncated: true, body: '{' })).toBe('MCP_HEADER_MISMATCH');
    expect(mcp({ version: NEW, method: 'tools/call' })).toBe('MCP_HEADER_MISMATCH');
  });
});

describe('MCP before 2026-07-28: headers are never trusted', () => {
  it.each<[string, string | undefined]>([['an older version', OLD], ['no version', undefined], ['a version that is not a date', 'latest']])('%s: a cut body denies even with headers', (_name, version) => {
    expect(mcp({ ...(version === undefined ? {} : { version }), method: 'tools/call', name: 'read_file', body: '{"jsonrpc":"2.0"', truncated: true })).toBe('BODY_TOO_LARGE');
  });

  it('no body with headers is still malformed', () => {
    expect(mcp({ version: OLD, method: 'tools/call', name: 'read_file' })).toBe('MCP_MALFORMED');
  });

  it('no headers: the body decides as before', () => {
    expect(mcp({ version: OLD, body: call('pay', { a: 1 }) })).toEqual(toolOfId1('mcp:pay', { a: 1 }));
  });
});

describe('MCP 2026-07-28 methods map like the rest', () => {
  it.each(['server/discover', 'subscriptions/listen', 'tasks/get', 'tasks/update', 'tasks/cancel'])('%s → mcp.method:%s with params', (method) => {
    expect(mcp({ version: NEW, method, body: { jsonrpc: '2.0', id: 1, method, params: { a: 1 } } })).toEqual(toolOfId1(`mcp.method:${method}`, { a: 1 }));
  });
});
