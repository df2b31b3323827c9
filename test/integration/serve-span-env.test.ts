/**
 * The direct check span (src/telemetry/direct-span.ts) is only built where the SDK would build
 * the very same span. Once an operator sets `OTEL_TRACES_SAMPLER` or a span-limit variable, the
 * SDK's sampler and limits must apply to `dutygate.check` spans again — through the real
 * `dutygate serve`, its worker and a real OTLP/HTTP protobuf receiver:
 * - `OTEL_TRACES_SAMPLER=parentbased_always_on`: a Check whose caller's `traceparent` says "not
 *   sampled" exports no span (the direct span always samples, so it would have exported one);
 * - `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT=4`: every exported check span carries 4 attributes (a direct
 *   span would carry them all).
 * Each runs with the span limit or sampler variable unset as its control. Needs `npm run build`
 * first (`npm test` does it).
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createEnvoyClient } from '../helpers/envoy-client.js';
import { writeGateFiles, type GateFiles } from '../helpers/gate-files.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const POLICY = `version: "span-env"
default: deny
tools:
  - { name: payments.list, match: { method: GET, path: /payments } }
rules: []
`;

const UNSAMPLED_TRACE = 'abcdefabcdefabcdefabcdefabcdef02';
const SAMPLED_TRACE = 'abcdefabcdefabcdefabcdefabcdef03';

describe('dutygate serve: span sampler and limit variables reach the check span', { timeout: 60_000 }, () => {
  let files: GateFiles | undefined;
  let receiver: OtlpReceiver | undefined;
  let gate: ServeProcess | undefined;

  afterEach(async () => {
    gate?.kill();
    await receiver?.close();
    if (files) await rm(files.dir, { recursive: true, force: true });
  });

  /**
   * Runs three denied Checks under `env` — a sampled parent first (the worker learns the resource
   * from the first span that reaches it; only then are direct spans built), then two unsampled —
   * stops the gate, and returns its check spans.
   */
  async function checkSpansUnder(env: Record<string, string>): Promise<ReceivedSpan[]> {
    receiver = await startOtlpReceiver();
    files = await writeGateFiles(POLICY, { logLevel: 'info' });
    gate = await startServeProcess(files.configFile, {
      OTEL_SDK_DISABLED: 'false',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_NODE_RESOURCE_DETECTORS: 'none',
      OTEL_TRACES_SAMPLER: '',
      OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '',
      ...env,
    });
    const client = createEnvoyClient(gate.grpcAddress);
    try {
      for (const [trace, flags] of [[SAMPLED_TRACE, '01'], [UNSAMPLED_TRACE, '00'], [UNSAMPLED_TRACE, '00']] as const) {
        // No token: a 401 deny, audited like any other decision.
        const response = await client.check({ method: 'GET', path: '/payments', headers: { traceparent: `00-${trace}-0123456789abcdef-${flags}` } });
        expect(response.status.code).toBe(16);
      }
    } finally {
      client.close();
    }
    gate.child.kill('SIGTERM');
    expect((await gate.exited).code).toBe(0);
    return receiver.spans.filter((span) => span.name === 'dutygate.check');
  }

  it('unset: every check span is exported, the unsampled ones too, with all their attributes', async () => {
    const spans = await checkSpansUnder({});
    expect(spans.map((span) => span.traceId).sort()).toEqual([UNSAMPLED_TRACE, UNSAMPLED_TRACE, SAMPLED_TRACE].sort());
    for (const span of spans) expect(Object.keys(span.attributes).length).toBeGreaterThan(10);
  });

  it('OTEL_TRACES_SAMPLER=parentbased_always_on: the SDK sampler decides, so an unsampled parent exports no check span', async () => {
    const spans = await checkSpansUnder({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' });
    expect(spans.map((span) => span.traceId)).toEqual([SAMPLED_TRACE]);
  });

  it('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT=4: every check span keeps 4 attributes', async () => {
    const spans = await checkSpansUnder({ OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '4' });
    expect(spans).toHaveLength(3);
    for (const span of spans) expect(Object.keys(span.attributes)).toHaveLength(4);
  });
});
