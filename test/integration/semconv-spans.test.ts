/**
 * Semantic-convention attributes end to end: Checks over loopback gRPC with Envoy's protos
 * into a whole gate, spans from the real OpenTelemetry SDK. The JSON-RPC id travels from the
 * MCP body through the mapping and the pipeline to the span; a gate that fails (its state
 * store gone) marks the span with `error.type`; a policy deny does not.
 */
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetry } from '../../src/telemetry/telemetry.js';
import { eventually } from '../helpers/eventually.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { startOwnedRedis, type OwnedRedis } from '../helpers/redis-server.js';

const POLICY = `version: "semconv-1"
tools:
  - { name: mcp, match: { host: tools.internal, path: /mcp }, protocol: mcp }
  - { name: wiki.read, match: { method: GET, host: wiki.internal, path: /wiki } }
rules:
  - { id: mcp-read, tools: ["mcp:read_*", "mcp.method:initialize"], effect: allow }
  - { id: wiki, tools: [wiki.read], effect: allow }
`;

describe('dutygate.check spans carry the semantic conventions, end to end', () => {
  const exporter = new InMemorySpanExporter();
  let f: GateFixture;
  let redis: OwnedRedis;
  beforeAll(async () => {
    redis = await startOwnedRedis();
    const telemetry = createTelemetry({ tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }), rpcConventions: 'dup' });
    f = await startGateFixture(POLICY, { telemetry, configExtra: `state: { driver: redis, url: "${redis.url}", timeout: 100ms }` });
  });
  afterAll(async () => {
    await f.close();
    await redis.kill();
  });

  // Polled, not `settled()`: with the store gone the record waits to be chained (docs/design.md
  // §7), while its span ends within a second without the link.
  const spanOf = async (decisionId: unknown): Promise<ReadableSpan> => {
    const find = () => exporter.getFinishedSpans().find((s) => s.attributes['dutygate.decision_id'] === decisionId);
    const span = await eventually(find, (found) => found !== undefined, 5_000, 20);
    if (!span) throw new Error(`no span for ${String(decisionId)}`);
    return span;
  };
  const mcp = async (message: unknown) =>
    f.check({ method: 'POST', host: 'tools.internal', path: '/mcp', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), token: await f.mint('mcp-agent') });

  it('an MCP tools/call: tool, method, JSON-RPC id, agent, and both RPC forms (rpc/dup)', async () => {
    const r = await mcp({ jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'read_file', arguments: { path: 'a' } } });
    expect(r.grpcCode).toBe(0);
    const span = await spanOf(r.metadata.decision_id);
    expect(span.attributes).toMatchObject({
      'gen_ai.agent.id': 'mcp-agent',
      'gen_ai.tool.name': 'read_file',
      'mcp.method.name': 'tools/call',
      'jsonrpc.request.id': '42',
      'rpc.system': 'grpc',
      'rpc.system.name': 'grpc',
      'rpc.method': 'envoy.service.auth.v3.Authorization/Check',
      'dutygate.tool': 'mcp:read_file',
    });
    expect(span.attributes).not.toHaveProperty('error.type');
  });

  it('an MCP initialize: the method and id, no tool name; a policy deny has no error.type', async () => {
    const init = await mcp({ jsonrpc: '2.0', id: 'init-1', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {} } });
    expect((await spanOf(init.metadata.decision_id)).attributes).toMatchObject({ 'mcp.method.name': 'initialize', 'jsonrpc.request.id': 'init-1' });
    const denied = await mcp({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'delete_file', arguments: {} } });
    expect(denied.body).toMatchObject({ code: 'NO_RULE' });
    const span = await spanOf(denied.metadata.decision_id);
    expect(span.attributes).toMatchObject({ 'gen_ai.tool.name': 'delete_file', 'jsonrpc.request.id': '7' });
    expect(span.attributes).not.toHaveProperty('error.type');
  });

  it('a gate whose state store is gone: error.type is the 503 code', async () => {
    await redis.kill();
    const r = await f.check({ method: 'GET', host: 'wiki.internal', path: '/wiki', token: await f.mint('reader') });
    expect(r.body).toMatchObject({ code: 'STATE_UNAVAILABLE' });
    const span = await spanOf(r.metadata.decision_id);
    // The jti claim failed before the request was mapped: the agent is known, the tool not yet.
    expect(span.attributes).toMatchObject({ 'error.type': 'STATE_UNAVAILABLE', 'gen_ai.agent.id': 'reader', 'dutygate.audit.chain_pending': true });
  });
});
