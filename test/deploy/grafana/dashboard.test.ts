/**
 * deploy/grafana/dutygate-dashboard.json: a well-formed Grafana dashboard whose queries are
 * valid PromQL (promtool parses them as recording rules) and cover what an operator needs. That
 * the metrics exist and the queries return series against a live gate is the job of
 * test/integration/prometheus-alerts.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { requireBinary, run } from '../../helpers/promtool.js';

interface Target {
  refId: string;
  expr: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  templating: { list: { name: string; type: string; query: unknown }[] };
  panels: Panel[];
}

const load = async () => JSON.parse(await readFile('deploy/grafana/dutygate-dashboard.json', 'utf8')) as Dashboard;
const queries = (d: Dashboard) => d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

describe('the Grafana dashboard', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'dutygate-dash-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('is a dashboard with a Prometheus datasource variable and a job filter', async () => {
    const d = await load();
    expect(d.uid).toBe('dutygate');
    expect(d.templating.list.map((v) => `${v.name}:${v.type}`)).toEqual(['datasource:datasource', 'job:query']);
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of d.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      expect(panel.description, panel.title).toBeTruthy();
      for (const target of panel.targets ?? []) expect(target.expr, panel.title).toContain('job=~"$job"');
    }
  });

  it('shows what the issue asks for: decisions by outcome and code, latency, failing closed, approvals, shadow, audit', async () => {
    const all = queries(await load())
      .map((q) => q.expr)
      .join('\n');
    for (const needle of [
      'sum by (decision) (rate(dutygate_decisions_total',
      'sum by (code) (rate(dutygate_decisions_total',
      'histogram_quantile(0.5, sum by (le) (rate(dutygate_check_duration_seconds_bucket',
      'histogram_quantile(0.99, sum by (le) (rate(dutygate_check_duration_seconds_bucket',
      'dutygate_fail_closed_total',
      'dutygate_state_errors_total',
      'dutygate_approvals_pending{',
      'dutygate_approval_latency_seconds_bucket',
      'sum by (outcome) (rate(dutygate_approval_latency_seconds_count',
      'sum by (rule, code) (rate(dutygate_would_block_total',
      'dutygate_audit_unchained_total',
      'dutygate_audit_spans_dropped_total',
    ]) {
      expect(all).toContain(needle);
    }
  });

  it('every query is valid PromQL (promtool parses them as recording rules)', async () => {
    const promtool = requireBinary('promtool');
    const rules = queries(await load()).map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr.replaceAll('$__rate_interval', '5m').replaceAll('$job', '.+') }));
    await writeFile(join(scratch, 'dashboard.rules.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    const result = await run(promtool, ['check', 'rules', join(scratch, 'dashboard.rules.yaml')]);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.code).toBe(0);

    // And it would say so: a broken query is refused.
    await writeFile(join(scratch, 'broken.rules.yaml'), stringify({ groups: [{ name: 'dashboard', rules: [{ record: 'dashboard:broken', expr: 'sum by (code (rate(dutygate_decisions_total[5m]))' }] }] }));
    expect((await run(promtool, ['check', 'rules', join(scratch, 'broken.rules.yaml')])).code).not.toBe(0);
  });
});
