/**
 * k8s/monitoring: the alert rules as a Prometheus Operator PrometheusRule. Valid against the
 * CRD's schema (strictly: unknown fields fail), and carrying exactly the groups of
 * deploy/prometheus/dutygate.rules.yaml, which promtool checks and unit-tests.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKustomization, type Manifest } from './render-kustomize.js';
import { validateManifests } from './validate-manifests.js';

const rendered = () => renderKustomization('k8s/monitoring').map((r) => r.manifest);
const rules = () => parse(readFileSync('deploy/prometheus/dutygate.rules.yaml', 'utf8')) as { groups: unknown[] };

describe('k8s/monitoring: the PrometheusRule', () => {
  it('renders one PrometheusRule in the dutygate namespace', () => {
    expect(rendered().map((m) => `${m.apiVersion} ${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`)).toEqual(['monitoring.coreos.com/v1 PrometheusRule/dutygate/dutygate']);
  });

  it("is valid against the Prometheus Operator's CRD schema, strictly", () => {
    expect(validateManifests(rendered())).toEqual([]);
  });

  it('carries the groups of deploy/prometheus/dutygate.rules.yaml, verbatim', () => {
    const [rule] = rendered();
    expect((rule as Manifest & { spec: { groups: unknown[] } }).spec.groups).toEqual(rules().groups);
  });

  it('the checks can fail: a misspelt field, a wrong type, a drifted rule', () => {
    const [rule] = rendered() as (Manifest & { spec: { groups: { rules: Record<string, unknown>[] }[] } })[];
    const typo = structuredClone(rule!);
    const first = typo.spec.groups[0]!.rules[0]!;
    first.expresion = first.expr;
    expect(validateManifests([typo]).join('\n')).toMatch(/expresion/);
    const wrongType = structuredClone(rule!);
    wrongType.spec.groups[0]!.rules[0]!.labels = ['severity'];
    expect(validateManifests([wrongType], { strict: false })).not.toEqual([]);
    const drifted = structuredClone(rule!);
    drifted.spec.groups[0]!.rules[0]!.for = '10m';
    expect(drifted.spec.groups).not.toEqual(rules().groups);
  });
});
