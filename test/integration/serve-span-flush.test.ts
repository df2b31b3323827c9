/**
 * SIGTERM loses no queued audit span: the built `dutygate serve`, exporting through its worker
 * to a real OTLP/HTTP protobuf receiver with a schedule delay far past the test, answers a few
 * Checks (their spans wait in the worker), is stopped with SIGTERM, and every decision its
 * decision log recorded has its `dutygate.check` span at the receiver before the process exits —
 * including a Check whose caller's `traceparent` said "not sampled".
 * Needs `npm run build` first (`npm test` does it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { CLI_PATH, runCli } from '../helpers/run-cli.js';

describe('dutygate serve flushes its spans on SIGTERM', { timeout: 60_000 }, () => {
  let dir: string;
  let receiver: OtlpReceiver;
  let server: ChildProcess;
  let address: string;
  const lines: string[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    dir = await mkdtemp(join(tmpdir(), 'dutygate-span-flush-'));
    expect((await runCli(['keys', 'generate', '--out', join(dir, 'keys'), '--name', 'agents'])).code).toBe(0);
    await copyFile(new URL('../../examples/dev/policy.yaml', import.meta.url), join(dir, 'policy.yaml'));
    const config = (await readFile(new URL('../../examples/dev/dutygate.yaml', import.meta.url), 'utf8'))
      .replace('port: 9191', 'port: 0')
      .replace('port: 8181', 'port: 0')
      .replace(/approvers:\n(.*\n){4}/, '')
      .replace(/overrides:.*\n/, '');
    await writeFile(join(dir, 'dutygate.yaml'), config);
    const env = {
      ...process.env,
      OTEL_SDK_DISABLED: 'false',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      // Only the shutdown flush can send these spans within the test.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_NODE_RESOURCE_DETECTORS: 'none',
    };
    server = spawn(process.execPath, [CLI_PATH, 'serve', '--config', join(dir, 'dutygate.yaml')], { stdio: ['ignore', 'pipe', 'pipe'], env });
    address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gate did not start: ${lines.join('\n')}`)), 30_000);
      server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        lines.push(...chunk.split('\n').filter(Boolean));
        const ready = lines.map((l) => JSON.parse(l) as { msg?: string; grpc?: string }).find((l) => l.msg?.startsWith('dutygate listening'));
        if (ready?.grpc) {
          clearTimeout(timer);
          resolve(ready.grpc);
        }
      });
    });
  });

  afterAll(async () => {
    if (server.exitCode === null) server.kill('SIGKILL');
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('every recorded decision has its span at the collector once the process exited 0', async () => {
    // Denied Checks (no valid token) are audited like any other: a record and a span each.
    for (let i = 0; i < 4; i++) {
      const result = await runCli(['check', '--addr', address, '-X', 'POST', '-u', 'http://payments.internal/payments', '-t', `not-a-token-${i}`]);
      expect(result.code).toBe(2);
    }
    // The agent's trace is not sampled (flags 00): its audit span is exported all the same.
    const unsampled = 'abcdefabcdefabcdefabcdefabcdef01';
    expect((await runCli(['check', '--addr', address, '-X', 'GET', '-u', 'http://payments.internal/payments', '-t', 'not-a-token', '-H', `traceparent: 00-${unsampled}-0123456789abcdef-00`])).code).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.spans).toHaveLength(0);

    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);

    const recorded = lines.map((l) => JSON.parse(l) as { type?: string; decision_id?: string }).filter((l) => l.type === 'decision').map((l) => l.decision_id);
    expect(recorded).toHaveLength(5);
    const exported = receiver.spans.filter((span) => span.name === 'dutygate.check').map((span) => span.attributes['dutygate.decision_id']);
    expect(exported.sort()).toEqual([...recorded].sort());
    expect(receiver.spans.find((span) => span.name === 'dutygate.check')?.resource).toMatchObject({ 'service.name': 'dutygate' });
    expect(receiver.spans.find((span) => span.traceId === unsampled)).toMatchObject({ name: 'dutygate.check', parentSpanId: '0123456789abcdef' });
    expect(lines.some((l) => l.includes('audit spans lost'))).toBe(false);
    // The four denied Checks made the same calls on their spans: the first span was the SDK's
    // (the processor learns the resource from it), the others were built directly
    // (direct-span.ts), and they carry the same attributes in the same order.
    const denied = receiver.spans.filter((span) => span.name === 'dutygate.check' && span.traceId !== unsampled);
    expect(denied).toHaveLength(4);
    const keys = denied.map((span) => Object.keys(span.attributes).filter((key) => !['dutygate.decision_id', 'dutygate.audit.seq', 'dutygate.audit.hash', 'dutygate.audit.prev_hash'].includes(key)));
    expect(keys[0]!.length).toBeGreaterThan(10);
    for (const other of keys.slice(1)) expect(other).toEqual(keys[0]);
    expect(new Set(denied.map((span) => span.kind))).toEqual(new Set([2]));
  });
});
