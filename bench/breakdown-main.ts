/**
 * `node dist-bench/bench/breakdown-main.js [runs] [variant…]` (after `npm run bench` has built dist-bench/):
 * where the memory gate's CPU per Check goes beyond the floor. The same gate is started with its
 * parts switched off one at a time — OpenTelemetry and the audit trail off, then the audit trail
 * (decision log + hash chain) on, then metrics, then spans exported over OTLP without and with
 * the canonical record (the default) — and
 * each is loaded in a closed loop with the bench workload. CPU per answered Check (all threads of
 * the pinned server process) is far steadier than throughput on a shared machine, so the
 * differences between rows are what each part costs. Prints a Markdown table; informative only
 * (no exit code for numbers). Variants (`floor`, `bare`, `audit`, `metrics`, `spans`, `default`)
 * named after the run count are the only ones measured, e.g. `3 metrics default` for the cost of
 * the span path alone.
 */
import { appendFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectCheckClient } from './load/check-client.js';
import { runClosedLoop } from './load/closed-loop.js';
import { pinLoadGenerator } from './measure/pinning.js';
import { spread } from './measure/stats.js';
import { createBenchSetup, removeBenchSetup } from './servers/bench-setup.js';
import { startContender, startGateProcess, startOtlpSink, tracedGateEnv } from './servers/contenders.js';
import type { ServerProcess } from './servers/server-process.js';
import { createWorkload } from './workload/workload.js';
import { ensureLoadGeneratorFlags } from './load/load-generator-flags.js';

interface Variant {
  readonly key: string;
  readonly label: string;
  /** How it starts: the floor, or the gate with this config file and these OTEL_* settings. */
  readonly start: () => Promise<ServerProcess>;
}

await ensureLoadGeneratorFlags();

const runs = Number(process.argv[2] ?? 3);
const only = new Set(process.argv.slice(3));
const progress = (line: string): void => {
  process.stderr.write(`[breakdown ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

const pinning = pinLoadGenerator();
const setup = await createBenchSetup();
const sink = await startOtlpSink(setup, pinning);
try {
  // The memory gate's config with one more `audit:` line (the last mapping key wins in the file).
  const configWith = (name: string, audit: string): string => {
    const file = join(setup.configDir, `memory-${name}.yaml`);
    copyFileSync(setup.memoryConfig, file);
    appendFileSync(file, `${audit}\n`);
    return file;
  };
  const auditOff = configWith('audit-off', 'audit: { decision_log: "off", chain: false }');
  const noSpanRecord = configWith('no-span-record', 'audit: { span_record: false }');
  const otlpEndpoint = `http://127.0.0.1:${sink.port}`;
  const traced = tracedGateEnv(otlpEndpoint);
  const gate = (name: string, config: string, env: Record<string, string>) => () => startGateProcess({ name, setup, pinning, config, env: { ...traced, ...env } });
  const variants: Variant[] = [
    {
      key: 'floor',
      label: 'floor (grpc-js + jose EdDSA verify + Map insert)',
      start: async () => {
        const started = await startContender('floor', { setup, pinning, otlpEndpoint });
        if (!started.ok) throw new Error(started.reason);
        return started.process;
      },
    },
    { key: 'bare', label: 'gate: OpenTelemetry off, decision log and chain off', start: gate('bare', auditOff, { OTEL_SDK_DISABLED: 'true' }) },
    { key: 'audit', label: '+ decision log (stdout) and hash chain', start: gate('audit', setup.memoryConfig, { OTEL_SDK_DISABLED: 'true' }) },
    { key: 'metrics', label: '+ metrics (/metrics)', start: gate('metrics', setup.memoryConfig, { OTEL_TRACES_EXPORTER: 'none' }) },
    { key: 'spans', label: '+ a span per Check, exported over OTLP, without the record (`audit.span_record: false`)', start: gate('spans', noSpanRecord, {}) },
    { key: 'default', label: '+ the canonical record on the span (the default)', start: gate('default', setup.memoryConfig, {}) },
  ];
  // The bench's token lifetime: longer ones are refused (identity.max_token_lifetime), cheaply.
  const workload = createWorkload({ minter: setup.minter, seed: 11, tokenTtlSeconds: 120 });
  const rows: { label: string; us: number; min: number; max: number; rps: number }[] = [];
  for (const variant of variants.filter((candidate) => only.size === 0 || only.has(candidate.key))) {
    const server = await variant.start();
    const client = await connectCheckClient(server.port, 500, 4);
    try {
      await runClosedLoop(client, workload.build(6000), { concurrency: 64, durationMs: 10_000 });
      const perCheck: number[] = [];
      const throughput: number[] = [];
      for (let run = 0; run < runs; run++) {
        const slice = workload.build(16_000);
        const before = server.cpuSeconds() ?? Number.NaN;
        const result = await runClosedLoop(client, slice, { concurrency: 64, durationMs: 4000 });
        const after = server.cpuSeconds() ?? Number.NaN;
        // A gate that denies everything early is cheap; only a run with the answers the
        // scenarios expect measures the Check path (the floor allows every valid token).
        if (variant.label.startsWith('gate') || variant.label.startsWith('+')) {
          if (result.mismatches > result.completed * 0.01) throw new Error(`${variant.label}: ${result.mismatches} of ${result.completed} answers are not what the workload expects`);
        }
        perCheck.push(((after - before) * 1e6) / result.completed);
        throughput.push(result.throughput);
      }
      const cpu = spread(perCheck);
      rows.push({ label: variant.label, us: cpu.median, min: cpu.min, max: cpu.max, rps: spread(throughput).median });
      progress(`${variant.label}: ${Math.round(cpu.median)} µs CPU per Check (${perCheck.map(Math.round).join(', ')})`);
    } finally {
      client.close();
      await server.stop();
    }
  }
  const lines = ['| server | CPU µs per Check (min–max) | added by this row | max req/s |', '|---|---|---|---|'];
  rows.forEach((row, i) => {
    const previous = i >= 2 ? rows[i - 1] : undefined;
    const added = i === 1 ? `${Math.round(row.us - (rows[0]?.us ?? Number.NaN))} (vs the floor)` : previous ? `${Math.round(row.us - previous.us)}` : '–';
    lines.push(`| ${row.label} | ${Math.round(row.us)} (${Math.round(row.min)}–${Math.round(row.max)}) | ${added} | ${Math.round(row.rps)} |`);
  });
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await sink.stop();
  await removeBenchSetup(setup);
}
