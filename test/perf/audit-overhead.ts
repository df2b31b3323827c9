/**
 * What the audit record costs per Check. Run: `npx vite-node test/perf/audit-overhead.ts`.
 *
 * 1. The interceptor alone, around a pipeline stub that answers at once with a realistic outcome
 *    (5 params): wall time per Check including the deferred work (record, hashes, chain append,
 *    log line, metrics, span end), for: everything off / metrics + chain + file log / the same
 *    plus tracing (BatchSpanProcessor).
 * 2. A whole gate over loopback gRPC (Envoy's protos), sequential Checks with pre-minted tokens:
 *    p50 / p99 client latency, audit off vs everything on.
 * Variants run interleaved in rounds so that machine load hits them alike, and CPU time (this
 * process: client and gate) is reported beside wall time, as it is less disturbed by other load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { CheckOutcome } from '../../src/check/outcome.js';
import { createLogger } from '../../src/log/logger.js';
import type { HttpRequest } from '../../src/request/http-request.js';
import { createMemoryStore } from '../../src/state/memory/memory-store.js';
import { createGateAudit } from '../../src/telemetry/gate-audit.js';
import { createTelemetry, type Telemetry } from '../../src/telemetry/telemetry.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { AUDIT_POLICY } from '../integration/audit-policy.js';

type Variant = 'off' | 'metrics+chain+log' | 'all+tracing';
const VARIANTS: readonly Variant[] = ['off', 'metrics+chain+log', 'all+tracing'];

function telemetryFor(variant: Variant): Telemetry {
  if (variant === 'off') return createTelemetry({ metrics: false });
  if (variant === 'metrics+chain+log') return createTelemetry();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 200 })] });
  setInterval(() => exporter.reset(), 1000).unref();
  return createTelemetry({ tracerProvider: provider });
}

const request: HttpRequest = {
  method: 'POST',
  host: 'payments.internal',
  path: '/payments',
  query: '',
  headers: new Map([['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']]),
  body: undefined,
  bodyTruncated: false,
  contextExtensions: {},
};
const outcome = (n: number): CheckOutcome => ({
  decision: 'allow',
  code: 'OK',
  decisionId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  phase: 'policy',
  policyVersion: 'audit-1+000000000000',
  agentId: 'finance-a',
  parentAgentId: 'planner',
  chain: ['planner'],
  initiator: 'sso:carol',
  jti: `jti-${n}`,
  tool: 'payments.create',
  toolEntry: 'payments.create',
  params: { payment_id: `p-${n}`, amount: n, destination: 'acct_9f8e7d6c5b', memo: 'invoice 4711', currency: 'EUR' },
  ruleId: 'finance-payments',
  shadow: false,
  wouldBlock: false,
});

async function interceptor(variant: Variant, n: number, dir: string): Promise<{ wallUs: number; cpuUs: number }> {
  const audit = createGateAudit({
    config: variant === 'off' ? { decisionLog: { sink: 'off' }, chain: false, spanRecord: true } : { decisionLog: { sink: 'file', file: join(dir, `${variant}.jsonl`) }, chain: true, spanRecord: true },
    state: createMemoryStore({ maxJtiEntries: 10, ledgerTtlMs: 1000, sweepIntervalMs: 0 }),
    logger: createLogger('silent'),
    policy: () => undefined,
    aliases: {},
    telemetry: telemetryFor(variant),
  });
  let i = 0;
  const check = audit.wrap(() => Promise.resolve(outcome(++i)));
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let k = 0; k < n; k++) await check(request, {});
  await audit.settled();
  const used = process.cpuUsage(cpu);
  const result = { wallUs: ((performance.now() - start) * 1000) / n, cpuUs: (used.user + used.system) / n };
  await audit.close();
  return result;
}

async function gate(variant: Variant, dir: string): Promise<GateFixture> {
  const audit = variant === 'off' ? 'audit: { decision_log: off, chain: false }' : `audit: { decision_log: "${join(dir, `gate-${variant}.jsonl`)}" }`;
  return startGateFixture(AUDIT_POLICY, { telemetry: telemetryFor(variant), audit });
}

async function latencies(f: GateFixture, n: number): Promise<{ ms: number[]; cpuUs: number }> {
  const agents = await Promise.all(Array.from({ length: n }, (_, i) => f.mintDelegated(`finance-${i % 50}`, ['planner'])));
  const tokens = agents.map((agent) => agent.token);
  const out: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const body = JSON.stringify({ payment_id: `p-${i}`, amount: i % 5000, destination: 'acct_9f8e7d6c5b', memo: 'invoice 4711' });
    const t0 = performance.now();
    const r = await f.check({ method: 'POST', host: 'payments.internal', path: '/payments', body, token: tokens[i], chain: agents[i]!.chain, headers: { 'content-type': 'application/json' } });
    out.push(performance.now() - t0);
    if (r.grpcCode !== 0) throw new Error(`unexpected deny ${JSON.stringify(r.body)}`);
  }
  await f.gate.audit.settled();
  const used = process.cpuUsage(cpu);
  return { ms: out, cpuUs: (used.user + used.system) / n };
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] as number;

const dir = await mkdtemp(join(tmpdir(), 'dutygate-overhead-'));
const load = loadavg()[0]?.toFixed(1);
const micro: Record<Variant, { wallUs: number[]; cpuUs: number[] }> = { off: { wallUs: [], cpuUs: [] }, 'metrics+chain+log': { wallUs: [], cpuUs: [] }, 'all+tracing': { wallUs: [], cpuUs: [] } };
for (let round = 0; round < 5; round++) {
  for (const v of VARIANTS) {
    const { wallUs, cpuUs } = await interceptor(v, 4000, dir);
    micro[v].wallUs.push(wallUs);
    micro[v].cpuUs.push(cpuUs);
  }
}
const e2e: Record<'off' | 'all+tracing', { ms: number[]; cpuUs: number[] }> = { off: { ms: [], cpuUs: [] }, 'all+tracing': { ms: [], cpuUs: [] } };
const gates = { off: await gate('off', dir), 'all+tracing': await gate('all+tracing', dir) };
for (let round = 0; round < 4; round++) {
  const order: readonly ('off' | 'all+tracing')[] = round % 2 === 0 ? ['off', 'all+tracing'] : ['all+tracing', 'off'];
  for (const v of order) {
    const { ms, cpuUs } = await latencies(gates[v], 400);
    e2e[v].ms.push(...ms);
    e2e[v].cpuUs.push(cpuUs);
  }
}
await Promise.all(Object.values(gates).map((f) => f.close()));
await rm(dir, { recursive: true, force: true });

const lines = [`load average at start: ${load} (2 cores)`, '', 'interceptor alone, per Check (median of 5 rounds × 4000):'];
for (const v of VARIANTS) lines.push(`  ${v.padEnd(18)} wall ${quantile(micro[v].wallUs, 0.5).toFixed(1)} µs  cpu ${quantile(micro[v].cpuUs, 0.5).toFixed(1)} µs`);
lines.push('', 'whole gate over gRPC, per Check (4 rounds × 400 sequential each; cpu = client + gate):');
for (const [v, r] of Object.entries(e2e)) lines.push(`  ${v.padEnd(18)} p50 ${quantile(r.ms, 0.5).toFixed(3)} ms  p99 ${quantile(r.ms, 0.99).toFixed(3)} ms  cpu ${quantile(r.cpuUs, 0.5).toFixed(0)} µs`);
process.stdout.write(`${lines.join('\n')}\n`);
