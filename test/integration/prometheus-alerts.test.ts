/**
 * The operator's view with the real thing: a real Prometheus (Debian's package, on a private
 * port, storage in a temp folder) scrapes a running gate every second and evaluates
 * deploy/prometheus/dutygate.rules.yaml — a test copy whose `for:` durations are cut to seconds.
 * The gate runs on a private redis-server, with the NodeSDK's span-processor metrics on
 * (spans go to a dead collector through a one-span queue), and Slack (a local fake) refusing
 * every message. Traffic: allows, policy denies, an SoD conflict, shadow would-blocks,
 * approvals (one approved, the others left pending), an invalid policy edit; then the Redis
 * server is killed. The alerts these conditions raise must go pending and fire, and every
 * PromQL expression of the Grafana dashboard must return series.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import type { Telemetry } from '../../src/telemetry/telemetry.js';
import { eventually } from '../helpers/eventually.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';
import { requireBinary } from '../helpers/promtool.js';
import { startOwnedRedis, type OwnedRedis } from '../helpers/redis-server.js';

const POLICY = `version: "ops-1"
clauses:
  LIMIT: { text: Payments above 5000 need a human approval. }
  NO_DELETE: { text: Wiki pages are never deleted by agents. }
  FREEZE: { text: No deploys during the freeze. }
tools:
  - { name: wiki.read, match: { method: GET, host: wiki.internal, path: /wiki } }
  - { name: wiki.delete, match: { method: DELETE, host: wiki.internal, path: /wiki } }
  - { name: deploy.run, match: { method: POST, host: deploy.internal, path: /deploy } }
  - { name: payments.create, match: { method: POST, host: payments.internal, path: /payments } }
  - { name: payments.draft, match: { method: POST, host: payments.internal, path: "/payments/{payment_id}/draft" } }
  - { name: payments.approve, match: { method: POST, host: payments.internal, path: "/payments/{payment_id}/approve" } }
duties:
  payment:
    resource: { param: payment_id, pattern: "^pay[_-][a-z0-9]{1,32}$" }
    steps: { draft: [payments.draft], approve: [payments.approve] }
    distinct: [draft, approve]
rules:
  - { id: read, tools: [wiki.read], effect: allow }
  - { id: no-delete, tools: [wiki.delete], effect: deny, clause: NO_DELETE }
  - { id: deploy, tools: [deploy.run], effect: allow }
  - { id: freeze, tools: [deploy.run], effect: deny, mode: shadow, clause: FREEZE }
  - { id: pay-steps, tools: [payments.draft, payments.approve], require: { duty: payment }, effect: allow }
  - id: large
    tools: [payments.create]
    params: { amount: { gt: 5000 } }
    effect: approval_needed
    clause: LIMIT
    approval: { approvers: ["sso:frank", "slack:U0FIN1"], quorum: 1, ttl: 16s }
`;

const RULES = 'deploy/prometheus/dutygate.rules.yaml';
const DASHBOARD = 'deploy/grafana/dutygate-dashboard.json';

/** The alerts this run raises (the other two need an hour-long rollback pin or a broken disk). */
const PHASE_ONE = ['DutygateApprovalsPendingPastHalfTTL', 'DutygatePolicyReloadFailing', 'DutygateShadowWouldBlockRising', 'DutygateSlackDeliveryFailing', 'DutygateSpansDropped'];
const PHASE_TWO = ['DutygateStateStoreUnavailable', 'DutygateFailClosedSpike', 'DutygateAuditRecordsUnchained'];

interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The dashboard's PromQL, with Grafana's variables as a person viewing every job would have them. */
export async function dashboardQueries(): Promise<{ panel: string; expr: string }[]> {
  const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr.replaceAll('$__rate_interval', '5m').replaceAll('$job', '.+') })));
}

/** Metric names (series names, histograms by their _bucket/_count/_sum series) a PromQL text uses. */
export function metricNamesIn(text: string): string[] {
  return [...text.matchAll(/\b((?:dutygate|otel_sdk)_[a-z0-9_]+)\b/g)].map((match) => match[1]!);
}

/** The series names a gate's /metrics exports (a histogram as its _bucket, _count and _sum). */
export async function exportedMetricNames(httpUrl: string): Promise<string[]> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return [...new Set([...text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)].map((match) => match[1]!))];
}

describe('alert rules and dashboard against a real Prometheus scraping a running gate', () => {
  let prometheusBin: string;
  let dir: string;
  let redis: OwnedRedis;
  let slack: FakeSlack;
  let f: GateFixture;
  let telemetry: Telemetry;
  let prometheus: ChildProcess | undefined;
  let promUrl: string;
  const seen = new Map<string, Set<string>>();
  let watcher: NodeJS.Timeout | undefined;

  const api = async <T,>(path: string): Promise<T> => {
    const response = await fetch(`${promUrl}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  };
  /** The alerts now; every state seen is remembered (pending is brief: `for: 2s`). */
  const alerts = async () => {
    const list = (await api<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts;
    for (const alert of list) {
      const name = alert.labels.alertname ?? '';
      seen.set(name, (seen.get(name) ?? new Set()).add(alert.state));
    }
    return list;
  };
  const firing = async (names: readonly string[]) => {
    const states = await alerts();
    return names.filter((name) => !states.some((a) => a.labels.alertname === name && a.state === 'firing'));
  };

  beforeAll(async () => {
    prometheusBin = requireBinary('prometheus');
    dir = await mkdtemp(join(tmpdir(), 'dutygate-prom-'));
    redis = await startOwnedRedis();
    slack = await startFakeSlack();
    slack.failNext('chat.postMessage', ...Array.from({ length: 50 }, () => ({ status: 200, body: { ok: false, error: 'channel_not_found' } })));

    // The export worker's OTLP exporter reads these itself: spans to a closed port through a
    // queue of one, so spans are dropped (queue_full) as soon as two wait.
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_EXPORTER_OTLP_TIMEOUT: '500',
    });
    const { startTelemetry } = await import('../../src/telemetry/start-telemetry.js');
    telemetry = startTelemetry({ disabled: false, serviceName: 'dutygate-prom-test', batch: { maxQueueSize: 1, maxExportBatchSize: 1, scheduleDelayMs: 50 } }, createLogger('silent'));
    f = await startGateFixture(POLICY, {
      telemetry,
      configExtra: [
        `state: { driver: redis, url: "${redis.url}", timeout: 100ms }`,
        `slack: { bot_token: xoxb-test-token, signing_secret: test-signing-secret-0123456789, channel: C0APPROVALS, api_url: "${slack.url}" }`,
      ].join('\n'),
      gateOptions: { approvals: { slackRetry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } } },
      // Records wait (in order) for a Redis that is away; a small buffer fills within phase two,
      // and the records beyond it are the unchained ones the alert is about.
      audit: 'audit: { decision_log: off, chain_buffer: 5 }',
    });

    // The rules as shipped, with `for:` cut to 2s so the run takes seconds, not an hour.
    const rules = (await readFile(RULES, 'utf8')).replace(/^(\s+for: )\S+$/gm, '$12s');
    await writeFile(join(dir, 'rules.yaml'), rules);
    await writeFile(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'rule_files: [rules.yaml]',
        'scrape_configs:',
        '  - job_name: dutygate',
        `    static_configs: [{ targets: ["127.0.0.1:${f.gate.httpPort}"] }]`,
      ].join('\n'),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      prometheusBin,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: 'ignore' },
    );
    const ready = await eventually(async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.status, (status) => status === 200, 15_000, 100);
    expect(ready, 'prometheus answers /-/ready').toBe(200);
    // Prometheus applies discovered targets a few seconds after start: wait for the first scrape.
    const health = await eventually(
      async () => (await api<{ activeTargets: { health: string }[] }>('/api/v1/targets')).activeTargets[0]?.health,
      (value) => value === 'up',
      20_000,
      250,
    );
    expect(health, 'prometheus scrapes the gate').toBe('up');
    // Every alert state Prometheus reports, as it happens.
    watcher = setInterval(() => void alerts().catch(() => undefined), 200);
  }, 60_000);

  afterAll(async () => {
    clearInterval(watcher);
    prometheus?.kill('SIGKILL');
    await f?.close();
    await slack?.close();
    await redis?.kill().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }, 30_000);

  const agent = (id = 'finance-a') => f.mint(id, { initiator: 'sso:carol' });
  const json = { 'content-type': 'application/json' };
  const drive = async (count: number, spec: Parameters<GateFixture['check']>[0] extends infer S ? Omit<S & object, 'token'> : never, agentId?: string) => {
    const out = [];
    for (let i = 0; i < count; i++) out.push(await f.check({ ...spec, token: await agent(agentId) }));
    return out;
  };

  it('phase one: shadow, approvals, Slack, policy and span alerts go pending and fire', async () => {
    // Allows and denies, and an SoD conflict (the drafter approves its own payment).
    expect((await drive(5, { method: 'GET', host: 'wiki.internal', path: '/wiki' }))[0]?.grpcCode).toBe(0);
    expect((await drive(3, { method: 'DELETE', host: 'wiki.internal', path: '/wiki' }))[0]?.body).toMatchObject({ code: 'POLICY_DENY' });
    await drive(1, { method: 'POST', host: 'payments.internal', path: '/payments/pay_1/draft', headers: json, body: '{}' }, 'clerk');
    expect((await drive(1, { method: 'POST', host: 'payments.internal', path: '/payments/pay_1/approve', headers: json, body: '{}' }, 'clerk'))[0]?.body).toMatchObject({ code: 'SOD_DUTY_CONFLICT' });

    // Shadow would-blocks in two waves a scrape apart, so Prometheus sees them rise.
    await drive(2, { method: 'POST', host: 'deploy.internal', path: '/deploy', headers: json, body: '{}' });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const shadow = await drive(10, { method: 'POST', host: 'deploy.internal', path: '/deploy', headers: json, body: '{}' });
    expect(shadow.every((r) => r.grpcCode === 0)).toBe(true);

    // Three approvals (Slack refuses every message); one is approved, two wait past half their TTL.
    const ids: string[] = [];
    for (const amount of [6000, 7000, 8000]) {
      const [r] = await drive(1, { method: 'POST', host: 'payments.internal', path: '/payments', headers: json, body: JSON.stringify({ amount }) });
      expect(r?.body).toMatchObject({ decision: 'approval_needed' });
      ids.push(String(r?.body?.approval_id));
    }
    const decided = await fetch(`${f.httpUrl}/v1/approvals/${ids[0]}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await f.mintApprover('sso:frank')}`, ...json },
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(decided.status).toBe(200);
    await slack.waitFor((calls) => calls.filter((call) => call.method === 'chat.postMessage').length >= 3);

    // An invalid policy edit: refused, the last good policy keeps serving.
    await writeFile(f.policyFile, POLICY.replace('effect: allow }', 'effect: allowed }'));
    expect(await f.gate.policy.reload()).toBe(false);

    expect(await eventually(() => firing(PHASE_ONE), (missing) => missing.length === 0, 30_000, 500), 'alerts not firing').toEqual([]);
    for (const name of PHASE_ONE) expect([...(seen.get(name) ?? [])], name).toEqual(expect.arrayContaining(['firing']));
    // Pending came first for those whose condition builds up over scrapes.
    expect([...(seen.get('DutygatePolicyReloadFailing') ?? [])]).toEqual(['pending', 'firing']);
    // Nothing is failing closed yet.
    expect((await alerts()).filter((a) => PHASE_TWO.includes(a.labels.alertname ?? ''))).toEqual([]);
  }, 60_000);

  it('every metric the dashboard and the alert rules query is one the gate exports', async () => {
    const exported = await exportedMetricNames(f.httpUrl);
    expect(exported).toEqual(expect.arrayContaining(['dutygate_decisions_total', 'dutygate_audit_spans_dropped_total']));
    const queried = [...(await dashboardQueries()).map((q) => q.expr), await readFile(RULES, 'utf8')].flatMap(metricNamesIn);
    expect([...new Set(queried)].filter((name) => !exported.includes(name))).toEqual([]);
  });

  it('every PromQL expression of the dashboard returns series', async () => {
    const queries = await dashboardQueries();
    expect(queries.length).toBeGreaterThanOrEqual(15);
    const empty: string[] = [];
    for (const { panel, expr } of queries) {
      const result = await api<{ result: unknown[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      if (result.result.length === 0) empty.push(`${panel}: ${expr}`);
    }
    expect(empty).toEqual([]);
  }, 30_000);

  it('phase two: a killed Redis raises state store, fail-closed and unchained-audit alerts', async () => {
    await redis.kill();
    const denied = await drive(30, { method: 'GET', host: 'wiki.internal', path: '/wiki' });
    expect(denied.filter((r) => r.body?.code === 'STATE_UNAVAILABLE').length).toBeGreaterThanOrEqual(25);
    const missing = await eventually(
      async () => {
        await drive(5, { method: 'GET', host: 'wiki.internal', path: '/wiki' });
        return firing(PHASE_TWO);
      },
      (left) => left.length === 0,
      30_000,
      500,
    );
    expect(missing, 'alerts not firing').toEqual([]);
    expect([...(seen.get('DutygateStateStoreUnavailable') ?? [])]).toEqual(['pending', 'firing']);
    const labels = (await alerts()).find((a) => a.labels.alertname === 'DutygateStateStoreUnavailable')?.labels;
    expect(labels).toMatchObject({ job: 'dutygate', instance: `127.0.0.1:${f.gate.httpPort}`, severity: 'critical' });
  }, 60_000);
});
