/**
 * The Markdown report (bench/results.md, and the README's Performance section): the tables are
 * rendered from the results object alone, so the README can always be regenerated from
 * bench/results.json.
 */
import type { StoredSpread } from './build-results.js';

interface OpenView {
  readonly rate: number;
  readonly p50_ms: StoredSpread;
  readonly p99_ms: StoredSpread;
  readonly p999_ms: StoredSpread;
  readonly rpc_errors: number;
  /** Median ms per second the server's main thread waited for its CPU (absent in older results). */
  readonly run_queue_wait_ms_per_s?: StoredSpread;
  /** Hypervisor steal on the server's / the load generator's CPU (absent in older results). */
  readonly steal_server_cpu?: StoredSpread;
  readonly steal_client_cpu?: StoredSpread;
  /** Traced gates: spans received / decision records written in this rate's phases. */
  readonly span_coverage?: number | null;
}

interface ServerView {
  readonly label: string;
  readonly available: boolean;
  readonly reason?: string;
  readonly failure?: string;
  readonly closed?: {
    throughput: StoredSpread;
    per_cpu_second: StoredSpread;
    server_cpu: StoredSpread;
    client_cpu: StoredSpread;
    foreign_server_cpu: StoredSpread;
    steal_server_cpu?: StoredSpread;
    redis_cpu?: StoredSpread;
    rss_mib: StoredSpread;
    rpc_errors: number;
    unexpected: number;
  };
  readonly open?: Readonly<Record<string, OpenView>>;
  readonly log_bytes_per_check?: number;
  readonly spans_lost?: Readonly<Record<string, number>>;
}

/** One workload's closed-loop numbers (results.json `workloads.steady` / `workloads.fresh`). */
interface WorkloadView {
  readonly runs: number;
  readonly chained_fraction: number | null;
  readonly signatures_per_request: number | null;
  readonly memory_max_rps: StoredSpread;
  readonly floor_max_rps: StoredSpread;
  readonly memory_vs_floor: number | null;
  readonly memory_vs_floor_spread: StoredSpread;
  readonly memory_cpu_us_per_check: StoredSpread;
  readonly memory_failed_closed: number;
}

/** The fields of results.json the report reads. */
export interface ResultsView {
  readonly mode: string;
  readonly generated_at: string;
  readonly machine: { description: string; pinning: string; load_generator_node_flags?: string[]; loadavg_start: number[] };
  readonly git: { commit: string; dirty: boolean };
  readonly workload: { chained_fraction: number; mean_headers: number; mean_body_bytes: number; mean_request_bytes: number; decision_mix: Record<string, number> | null };
  /** Absent in results written before the fresh-ancestors workload existed. */
  readonly workloads?: { readonly steady: WorkloadView; readonly fresh?: WorkloadView };
  readonly settings: { concurrency: number; connections: number; closed_runs: number; closed_s: number; open_runs: number; open_s: number };
  readonly servers: Readonly<Record<string, ServerView>>;
  readonly ratio_spread: Readonly<Record<string, StoredSpread>>;
  readonly other_ratios: Readonly<Record<string, number | null>>;
  readonly targets: Readonly<Record<string, { target: string; value: number | null; met: boolean | null }>>;
  readonly soak?: { checks: number; throughput: number; timed_out: boolean; rss_mib: Record<string, number | null> };
  readonly otlp?: { check_spans: number; traced_checks: number; span_coverage: number | null; bytes_per_span: number | null };
  readonly profile?: { areas: { area: string; pct: number }[]; selfTop: { name: string; where: string; pct: number }[]; dutygateInclusive: { name: string; where: string; pct: number }[] };
}

const n = (value: number | null | undefined, digits = 0): string => (value === null || value === undefined ? '–' : value.toFixed(digits));
const range = (value: StoredSpread | undefined, digits = 0): string => (value === undefined || value.median === null ? '–' : `${n(value.median, digits)} (${n(value.min, digits)}–${n(value.max, digits)})`);
const pct = (value: number): string => `${Math.round(value * 100)} %`;

const WORKLOAD_ROWS = [
  ['steady', 'steady agents (chain links reused)'],
  ['fresh', 'fresh ancestors (new chain links per request)'],
] as const;

/** "Workloads side by side": the memory gate against the floor on each workload, closed loop. */
function workloadTable(workloads: NonNullable<ResultsView['workloads']>): string[] {
  const lines = [
    'Workloads side by side (closed loop; memory gate and floor on each; signature verifications per request assume a link cache that hits on every link seen before):',
    '',
    '| workload | runs | chained | signature verifications per request | memory max req/s | floor max req/s | memory vs floor (min–max over paired runs) | memory µs CPU per check |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [key, label] of WORKLOAD_ROWS) {
    const view = workloads[key];
    if (!view) continue;
    const closedFail = view.memory_failed_closed > 0 ? ` (${view.memory_failed_closed} failed closed)` : '';
    const chained = view.chained_fraction === null ? '–' : pct(view.chained_fraction);
    lines.push(
      `| ${label} | ${view.runs} | ${chained} | ${n(view.signatures_per_request, 2)} | ${range(view.memory_max_rps)}${closedFail} | ${range(view.floor_max_rps)} | ${n(view.memory_vs_floor, 2)} (${n(view.memory_vs_floor_spread.min, 2)}–${n(view.memory_vs_floor_spread.max, 2)}) | ${range(view.memory_cpu_us_per_check)} |`,
    );
  }
  return lines;
}

/** Renders the report. */
export function renderMarkdown(results: ResultsView): string {
  const lines: string[] = [];
  const servers = Object.entries(results.servers);
  const clientFlags = results.machine.load_generator_node_flags ?? [];
  lines.push(`Machine: ${results.machine.description}; ${results.machine.pinning}${clientFlags.length > 0 ? ` (load generator: \`node ${clientFlags.join(' ')}\`)` : ''}; load average at start ${results.machine.loadavg_start.join(' / ')}.`);
  const mix = results.workload.decision_mix;
  lines.push(
    `Workload: Envoy-shaped CheckRequests (${n(results.workload.mean_headers, 1)} headers, ${results.workload.mean_body_bytes} B JSON bodies, ${results.workload.mean_request_bytes} B on the wire), a fresh EdDSA token per request, ${pct(results.workload.chained_fraction)} with a two-ancestor chain, a 30-rule policy${mix ? `; decisions ${pct(mix['allow'] ?? 0)} allow, ${pct(mix['deny'] ?? 0)} deny, ${pct(mix['approval_needed'] ?? 0)} approval_needed` : ''}.`,
  );
  lines.push(`Runs: ${results.mode} mode, commit ${results.git.commit.slice(0, 12)}${results.git.dirty ? ' (uncommitted changes)' : ''}, ${results.generated_at}. Medians of ${results.settings.closed_runs} closed-loop runs of ${results.settings.closed_s} s (${results.settings.concurrency} in flight over ${results.settings.connections} connections) and ${results.settings.open_runs} open-loop runs of ${results.settings.open_s} s per rate; (min–max) over runs.`);
  lines.push('');
  lines.push('| server | max req/s | req/s per server CPU-second | server CPU | other processes on its CPU | hypervisor steal on its CPU | load generator CPU | RSS MiB |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const [key, server] of servers) {
    if (!server.closed) {
      lines.push(`| ${key} | unavailable: ${server.reason ?? server.failure ?? 'not measured'} | | | | | | |`);
      continue;
    }
    const c = server.closed;
    const redis = c.redis_cpu?.median === null || c.redis_cpu === undefined ? '' : ` (+ Redis ${n(c.redis_cpu.median, 2)})`;
    lines.push(`| ${key} | ${range(c.throughput)} | ${range(c.per_cpu_second)} | ${n(c.server_cpu.median, 2)}${redis} | ${n(c.foreign_server_cpu.median, 2)} | ${n(c.steal_server_cpu?.median ?? null, 2)} | ${n(c.client_cpu.median, 2)} | ${n(c.rss_mib.median)} |`);
  }
  if (results.workloads) lines.push('', ...workloadTable(results.workloads));
  const rates = [...new Set(servers.flatMap(([, server]) => Object.keys(server.open ?? {})))].sort((a, b) => Number(a) - Number(b));
  if (rates.length > 0) {
    lines.push('');
    lines.push(`| server | ${rates.map((rate) => `p50 / p99 / p99.9 ms at ${rate} % (${results.servers['floor']?.open?.[rate]?.rate ?? '?'}/s)`).join(' | ')} |`);
    lines.push(`|---|${rates.map(() => '---').join('|')}|`);
    for (const [key, server] of servers) {
      if (!server.open) continue;
      const cells = rates.map((rate) => {
        const open = server.open?.[rate];
        return open ? `${n(open.p50_ms.median, 2)} / ${n(open.p99_ms.median, 2)} / ${n(open.p999_ms.median, 2)}${open.rpc_errors > 0 ? ` (${open.rpc_errors} errors)` : ''}` : '–';
      });
      lines.push(`| ${key} | ${cells.join(' | ')} |`);
    }
    const waits = servers.flatMap(([key, server]) => {
      const perRate = rates.map((rate) => server.open?.[rate]?.run_queue_wait_ms_per_s?.median);
      return perRate.some((wait) => wait !== undefined && wait !== null) ? [`${key} ${perRate.map((wait) => n(wait ?? null, 0)).join(' / ')}`] : [];
    });
    if (waits.length > 0) {
      lines.push('');
      lines.push(`Main thread runnable but waiting for its CPU (another task on it: a thread of its own or another process; /proc schedstat, a hypervisor's steal not included), ms per second at ${rates.map((rate) => `${rate} %`).join(' / ')}: ${waits.join('; ')}.`);
    }
    const steals = servers.flatMap(([key, server]) => {
      const perRate = rates.map((rate) => server.open?.[rate]?.steal_server_cpu);
      if (!perRate.some((steal) => steal?.median !== undefined && steal.median !== null)) return [];
      return [`${key} ${perRate.map((steal) => (steal ? `${n(steal.median, 2)} (${n(steal.min, 2)}–${n(steal.max, 2)})` : '–')).join(' / ')}`];
    });
    if (steals.length > 0) {
      lines.push('');
      lines.push(`Hypervisor steal on the server's CPU during the open-loop phases (/proc/stat: the host ran another VM while this one wanted the CPU; a share of the phase, median (min–max) over runs) at ${rates.map((rate) => `${rate} %`).join(' / ')}: ${steals.join('; ')}.`);
    }
  }
  lines.push('');
  lines.push('| target | value (min–max over paired runs) | met |');
  lines.push('|---|---|---|');
  for (const [key, target] of Object.entries(results.targets)) {
    const spreadOf = results.ratio_spread[key];
    const value = spreadOf ? `${n(target.value, 2)} (${n(spreadOf.min, 2)}–${n(spreadOf.max, 2)})` : n(target.value, 3);
    lines.push(`| ${target.target} | ${value} | ${target.met === null ? 'not measured' : target.met ? 'yes' : '**no**'} |`);
  }
  const other = results.other_ratios;
  const informative = [
    ['memory vs floor, per server CPU-second', other['memory_vs_floor_per_cpu_second']],
    ['memory vs raw floor', other['memory_vs_raw_floor']],
    ['floor (jose) vs raw floor (node:crypto)', other['floor_vs_raw_floor']],
    ['memory traced vs OpenTelemetry off', other['memory_traced_vs_untraced']],
    ['p99 at 50 %, OpenTelemetry off vs floor', other['untraced_p99_at_50_vs_floor']],
    ['p99 at 50 %, Redis vs floor', other['redis_p99_at_50_vs_floor']],
  ].filter((entry): entry is [string, number] => typeof entry[1] === 'number');
  if (informative.length > 0) {
    lines.push('');
    lines.push(`Other ratios (medians): ${informative.map(([name, value]) => `${name} ${value.toFixed(2)}`).join('; ')}.`);
  }
  if (results.soak) {
    const points = Object.entries(results.soak.rss_mib).map(([at, mib]) => `${at}: ${n(mib)} MiB`).join(', ');
    lines.push('');
    const cut = results.soak.timed_out ? ', stopped by its time bound before 1M' : '';
    lines.push(`RSS soak (a fresh memory gate, ${results.soak.checks} checks at ${results.soak.throughput} req/s${cut}, 20 s tokens): ${points}.`);
  }
  if (results.otlp) {
    lines.push('');
    lines.push(`Spans: the traced gates exported ${results.otlp.check_spans} \`dutygate.check\` spans for about ${results.otlp.traced_checks} checks (coverage ${n(results.otlp.span_coverage, 2)}), ${n(results.otlp.bytes_per_span)} bytes each on the wire.`);
  }
  const coverage = servers
    .map(([key, server]) => [key, Object.entries(server.open ?? {}).filter(([, view]) => view.span_coverage !== undefined)] as const)
    .filter(([, rates]) => rates.length > 0)
    .map(([key, rates]) => {
      const lost = Object.entries(results.servers[key]?.spans_lost ?? {}).map(([reason, count]) => `${count} ${reason}`);
      return `${key} ${rates.map(([fraction, view]) => `${fraction} %: ${n(view.span_coverage, 3)}`).join(', ')} (lost over the whole run, as the gate logged them: ${lost.length > 0 ? lost.join(', ') : 'none'})`;
    });
  if (coverage.length > 0) {
    lines.push('');
    lines.push(`Span coverage per open-loop rate (\`dutygate.check\` spans received / decision records the gate wrote in those phases): ${coverage.join('; ')}.`);
  }
  if (results.profile) {
    lines.push('');
    lines.push(`Where the memory gate's CPU goes (\`--cpu-prof\`, closed loop; % of busy time): ${results.profile.areas.slice(0, 8).map((a) => `${a.area} ${a.pct} %`).join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}
