import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { rpcConventionsFrom, telemetrySettingsFrom } from '../../../src/cli/telemetry-env.js';
import type { CheckOutcome } from '../../../src/check/outcome.js';
import type { Code } from '../../../src/errors.js';
import { CODES } from '../../../src/errors.js';
import { createLogger } from '../../../src/log/logger.js';
import type { HttpRequest } from '../../../src/request/http-request.js';
import type { CheckContext } from '../../../src/check/check-function.js';
import { createMemoryStore } from '../../../src/state/memory/memory-store.js';
import { createCheckAudit } from '../../../src/telemetry/check-audit.js';
import { createGateAudit } from '../../../src/telemetry/gate-audit.js';
import * as semconv from '../../../src/telemetry/semconv.js';
import type { RpcConventions } from '../../../src/telemetry/semconv.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';

const request: HttpRequest = { method: 'POST', host: 'mcp.internal', path: '/mcp', query: '', headers: new Map(), body: undefined, bodyTruncated: false, contextExtensions: {} };

function checkSpan(outcome: CheckOutcome, rpcConventions?: RpcConventions, context: CheckContext = {}) {
  const exporter = new InMemorySpanExporter();
  const telemetry = createTelemetry({ tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }), ...(rpcConventions ? { rpcConventions } : {}) });
  const recorder = { record: () => Promise.resolve({ canonical: '{}' }), close: () => Promise.resolve() };
  const audit = createCheckAudit({ telemetry, recorder, policy: () => undefined, aliases: {}, logger: createLogger('silent') });
  return {
    async run() {
      await audit.wrap(() => Promise.resolve(outcome))(request, context);
      await audit.drain();
      const [span] = exporter.getFinishedSpans();
      if (!span) throw new Error('no span');
      return span.attributes;
    },
  };
}

const outcome = (fields: Partial<CheckOutcome> = {}): CheckOutcome => ({ decision: 'allow', code: 'OK', decisionId: 'd-1', phase: 'policy', agentId: 'finance-a', jti: 'j-1', shadow: false, wouldBlock: false, ...fields });

describe('semantic conventions: the copied experimental names are the package’s', () => {
  it.each([
    ['ATTR_RPC_SYSTEM', semconv.ATTR_RPC_SYSTEM, incubating.ATTR_RPC_SYSTEM],
    ['ATTR_RPC_SERVICE', semconv.ATTR_RPC_SERVICE, incubating.ATTR_RPC_SERVICE],
    ['ATTR_RPC_GRPC_STATUS_CODE', semconv.ATTR_RPC_GRPC_STATUS_CODE, incubating.ATTR_RPC_GRPC_STATUS_CODE],
    ['ATTR_RPC_RESPONSE_STATUS_CODE', semconv.ATTR_RPC_RESPONSE_STATUS_CODE, incubating.ATTR_RPC_RESPONSE_STATUS_CODE],
    ['ATTR_GEN_AI_AGENT_ID', semconv.ATTR_GEN_AI_AGENT_ID, incubating.ATTR_GEN_AI_AGENT_ID],
    ['ATTR_GEN_AI_TOOL_NAME', semconv.ATTR_GEN_AI_TOOL_NAME, incubating.ATTR_GEN_AI_TOOL_NAME],
    ['ATTR_MCP_METHOD_NAME', semconv.ATTR_MCP_METHOD_NAME, incubating.ATTR_MCP_METHOD_NAME],
    ['ATTR_JSONRPC_REQUEST_ID', semconv.ATTR_JSONRPC_REQUEST_ID, incubating.ATTR_JSONRPC_REQUEST_ID],
    ['MCP_METHOD_NAME_VALUE_TOOLS_CALL', semconv.MCP_METHOD_NAME_VALUE_TOOLS_CALL, incubating.MCP_METHOD_NAME_VALUE_TOOLS_CALL],
    ['RPC_SYSTEM_VALUE_GRPC', 'grpc', incubating.RPC_SYSTEM_VALUE_GRPC],
  ])('%s', (_name, ours, theirs) => {
    expect(ours).toBe(theirs);
  });
});

describe('OTEL_SEMCONV_STABILITY_OPT_IN → RPC conventions', () => {
  it.each([
    ['http', 'old'],
    ['rpc', 'stable'],
    [' http , RPC ', 'stable'],
    ['rpc,rpc/dup', 'dup'],
    ['rpc/dup', 'dup'],
    ['gen_ai_latest_experimental', 'old'],
  ] as const)('%s → %s', (value, expected) => {
    expect(rpcConventionsFrom(value)).toBe(expected);
    expect(telemetrySettingsFrom({ OTEL_SEMCONV_STABILITY_OPT_IN: value }).rpcConventions).toBe(expected);
  });

  it('leaves the setting out when the variable is unset (the telemetry default: old)', () => {
    expect(telemetrySettingsFrom({})).not.toHaveProperty('rpcConventions');
  });
});

describe('dutygate.check span: semantic-convention attributes beside dutygate.*', () => {
  it('carries the experimental v1.37 RPC attributes by default', async () => {
    const attributes = await checkSpan(outcome({ tool: 'payments.create' })).run();
    expect(attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.service': 'envoy.service.auth.v3.Authorization', 'rpc.method': 'Check', 'rpc.grpc.status_code': 0 });
    expect(attributes).not.toHaveProperty('rpc.system.name');
    // dutygate's own names stay.
    expect(attributes).toMatchObject({ 'agent.id': 'finance-a', 'dutygate.tool': 'payments.create', 'dutygate.decision': 'allow', 'dutygate.code': 'OK' });
  });

  it('carries only the stable RPC attributes with rpc', async () => {
    const attributes = await checkSpan(outcome(), 'stable').run();
    expect(attributes).toMatchObject({ 'rpc.system.name': 'grpc', 'rpc.method': 'envoy.service.auth.v3.Authorization/Check', 'rpc.response.status_code': 'OK' });
    for (const old of ['rpc.system', 'rpc.service', 'rpc.grpc.status_code']) expect(attributes).not.toHaveProperty(old);
  });

  it('carries both with rpc/dup, rpc.method in its stable, fully-qualified form', async () => {
    const attributes = await checkSpan(outcome(), 'dup').run();
    expect(attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.system.name': 'grpc',
      'rpc.service': 'envoy.service.auth.v3.Authorization',
      'rpc.method': 'envoy.service.auth.v3.Authorization/Check',
      'rpc.grpc.status_code': 0,
      'rpc.response.status_code': 'OK',
    });
  });

  it('an AuthZEN evaluation (HTTP, not the ext_authz RPC) carries no RPC attributes, and says where it came from', async () => {
    const attributes = await checkSpan(outcome({ tool: 'payments.create' }), 'dup', { via: 'authzen' }).run();
    expect(Object.keys(attributes).filter((key) => key.startsWith('rpc.'))).toEqual([]);
    expect(attributes).toMatchObject({ 'dutygate.via': 'authzen', 'gen_ai.agent.id': 'finance-a', 'gen_ai.tool.name': 'payments.create' });
  });

  it('names the GenAI agent and tool of an HTTP tool call', async () => {
    const attributes = await checkSpan(outcome({ tool: 'payments.create' })).run();
    expect(attributes).toMatchObject({ 'gen_ai.agent.id': 'finance-a', 'gen_ai.tool.name': 'payments.create' });
    expect(attributes).not.toHaveProperty('mcp.method.name');
    expect(attributes).not.toHaveProperty('gen_ai.operation.name');
  });

  it('names an MCP tools/call by the MCP tool, its method and JSON-RPC id', async () => {
    const attributes = await checkSpan(outcome({ tool: 'mcp:create_issue', jsonrpcId: '7' })).run();
    expect(attributes).toMatchObject({ 'gen_ai.tool.name': 'create_issue', 'mcp.method.name': 'tools/call', 'jsonrpc.request.id': '7', 'dutygate.tool': 'mcp:create_issue' });
  });

  it.each([
    ['mcp.method:initialize', { 'mcp.method.name': 'initialize', 'jsonrpc.request.id': 'init-1' }, 'init-1'],
    ['mcp.method:notifications/initialized', { 'mcp.method.name': 'notifications/initialized' }, undefined],
    ['mcp.stream', {}, undefined],
  ] as const)('MCP housekeeping %s: the method, never a tool name', async (tool, expected, jsonrpcId) => {
    const attributes = await checkSpan(outcome({ tool, ...(jsonrpcId ? { jsonrpcId } : {}) })).run();
    expect(attributes).toMatchObject(expected);
    expect(attributes).not.toHaveProperty('gen_ai.tool.name');
    if (!jsonrpcId) expect(attributes).not.toHaveProperty('jsonrpc.request.id');
    if (tool === 'mcp.stream') expect(attributes).not.toHaveProperty('mcp.method.name');
  });

  const codes = Object.keys(CODES) as Code[];
  it.each(codes)('error.type only for a 503-class failure: %s', async (code) => {
    const attributes = await checkSpan(outcome({ decision: code === 'OK' ? 'allow' : 'deny', code })).run();
    if (CODES[code].http === 503) expect(attributes['error.type']).toBe(code);
    else expect(attributes).not.toHaveProperty('error.type');
  });
});

describe('approval spans: the GenAI agent and tool like the check span', () => {
  it('puts gen_ai.agent.id and gen_ai.tool.name (MCP: method too) on approval events', async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = createTelemetry({ tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }) });
    const audit = createGateAudit({
      config: { decisionLog: { sink: 'off' }, chain: true, spanRecord: false },
      state: createMemoryStore({ maxJtiEntries: 10, ledgerTtlMs: 1000, sweepIntervalMs: 0 }),
      logger: createLogger('silent'),
      policy: () => undefined,
      aliases: {},
      telemetry,
    });
    await audit.recordApprovalEvent({ kind: 'created', approvalId: 'apr_1', agentId: 'finance-a', tool: 'mcp:create_issue', at: Date.now() });
    await audit.settled();
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('dutygate.approval.created');
    expect(span?.attributes).toMatchObject({ 'gen_ai.agent.id': 'finance-a', 'gen_ai.tool.name': 'create_issue', 'mcp.method.name': 'tools/call', 'dutygate.tool': 'mcp:create_issue' });
    expect(span?.attributes).not.toHaveProperty('error.type');
    await audit.close();
  });
});
