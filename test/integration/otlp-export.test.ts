/**
 * Spans leave the gate over OTLP/HTTP as the standard variables say: the NodeSDK (as
 * `dutygate serve` starts it) exports to a receiver this test runs on loopback, which decodes
 * the OTLP JSON body. The variables are set on this test process (its own worker), since the
 * NodeSDK reads them itself.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { startTelemetry } from '../../src/telemetry/start-telemetry.js';
import { telemetrySettingsFrom } from '../../src/cli/telemetry-env.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { AUDIT_POLICY } from './audit-policy.js';

interface OtlpValue { stringValue?: string; intValue?: string | number; boolValue?: boolean; arrayValue?: { values: OtlpValue[] } }
interface OtlpSpan { name: string; traceId: string; parentSpanId?: string; attributes: { key: string; value: OtlpValue }[] }
interface OtlpExport { resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[] }

describe('OTLP/HTTP export configured by OTEL_* variables', () => {
  const received: { path: string; contentType: string; body: OtlpExport }[] = [];
  let receiver: Server;
  let f: GateFixture;

  beforeAll(async () => {
    receiver = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ path: request.url ?? '', contentType: request.headers['content-type'] ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'dutygate-otlp-test',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_NODE_RESOURCE_DETECTORS: 'none',
    };
    Object.assign(process.env, env);
    f = await startGateFixture(AUDIT_POLICY, { telemetry: startTelemetry(telemetrySettingsFrom(process.env), createLogger('silent')) });
  });
  afterAll(async () => {
    await f.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('exports the dutygate.check span, in the agent trace, with its attributes', async () => {
    const traceId = 'aaaabbbbccccddddeeeeffff00001111';
    const planner = await f.mintLink('planner', 'finance-otlp');
    const token = await f.mintChild(planner, 'finance-otlp');
    const r = await f.check({
      method: 'POST',
      host: 'payments.internal',
      path: '/payments',
      body: JSON.stringify({ payment_id: 'p-otlp', amount: 12 }),
      token,
      chain: [planner],
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-1111222233334444-01` },
    });
    expect(r.grpcCode).toBe(0);
    const span = await waitForSpan((s) => s.name === 'dutygate.check');
    expect(received[0]).toMatchObject({ path: '/v1/traces', contentType: 'application/json' });
    expect(span.traceId).toBe(traceId);
    expect(span.parentSpanId).toBe('1111222233334444');
    const attributes = Object.fromEntries(span.attributes.map((a) => [a.key, a.value.stringValue ?? a.value.boolValue ?? a.value.intValue ?? a.value.arrayValue?.values.map((v) => v.stringValue)]));
    expect(attributes).toMatchObject({
      'dutygate.decision_id': r.metadata.decision_id,
      'dutygate.decision': 'allow',
      'dutygate.code': 'OK',
      'agent.id': 'finance-otlp',
      'agent.chain': ['planner'],
      'dutygate.rule_id': 'finance-payments',
    });
    expect(Number(attributes['dutygate.audit.seq'])).toBeGreaterThan(0);
    const resource = received.flatMap((r) => r.body.resourceSpans)[0]!.resource.attributes;
    expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'dutygate-otlp-test' } });
  });

  async function waitForSpan(match: (span: OtlpSpan) => boolean): Promise<OtlpSpan> {
    for (let i = 0; i < 200; i++) {
      const span = received.flatMap((r) => r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))).find(match);
      if (span) return span;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('no span exported');
  }
});
