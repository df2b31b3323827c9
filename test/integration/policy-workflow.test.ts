/**
 * The policy workflow of the README against a real gate: a policy with a shadow rule serves
 * traffic into a decision log; `shadow-report` counts its would-blocks; `dry-run` of the
 * promoted candidate predicts the change; the promotion hot-reloads and the prediction holds;
 * an override token minted under one version stops working after a change; a rollback over the
 * admin endpoint swaps back atomically and pins until the file changes; an invalid reload is
 * refused and counted in /readyz.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../src/audit/decision-record.js';
import { parsePolicy } from '../../src/policy/load-policy.js';
import { createDryRun } from '../../src/policy-replay/dry-run.js';
import { readDecisionLog } from '../../src/policy-replay/read-decision-log.js';
import { createShadowReport } from '../../src/policy-replay/shadow-report.js';
import { eventually } from '../helpers/eventually.js';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const ADMIN = 'admin-token-for-the-workflow-test';
const v1 = await readFile(new URL('../../examples/policies/deploys/policy.yaml', import.meta.url), 'utf8');
/** The freeze rule promoted from shadow to enforce. */
const v2 = v1.replace('version: "deploys-2026-11-21.1"', 'version: "deploys-2026-11-21.2"').replace(/\n {4}mode: shadow\n/, '\n');
/** Another change of content: the freeze clause reworded. */
const v3 = v2.replace('version: "deploys-2026-11-21.2"', 'version: "deploys-2026-11-21.3"').replace('Production is frozen;', 'Production is frozen for the holidays;');

describe('policy workflow: shadow → shadow-report → dry-run → enforce → rollback', () => {
  let f: GateFixture;
  let log: string;
  let orchestrator: string;
  const version = () => f.gate.policy.current().policyVersion;
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${f.httpUrl}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}` }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const readyz = async () => (await (await fetch(`${f.httpUrl}/readyz`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as Record<string, unknown>;
  const deploy = async (environment: string, extra: { override?: string } = {}) => {
    const token = await f.mintChild(orchestrator, 'deployer-1', { initiator: 'sso:carl' });
    return f.check({
      method: 'POST',
      host: 'ci.internal',
      path: '/releases/rel-1/deploy',
      headers: { 'content-type': 'application/json', ...(extra.override ? { 'x-dutygate-override': extra.override } : {}) },
      body: JSON.stringify({ environment }),
      token,
      chain: [orchestrator],
    });
  };
  const records = async (): Promise<DecisionRecord[]> => {
    const all: DecisionRecord[] = [];
    await readDecisionLog([log], {}, (r) => all.push(r));
    return all;
  };

  beforeAll(async () => {
    f = await startGateFixture(v1, { watch: true, audit: 'audit: { decision_log: ./decisions.jsonl }', configExtra: `admin: { token: ${ADMIN} }` });
    log = join(f.dir, 'decisions.jsonl');
    orchestrator = await f.mintLink('release-orchestrator', 'deployer-1', { initiator: 'sso:carl' });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('serves v1 with the freeze in shadow and records every decision', async () => {
    const build = await f.check({ method: 'POST', host: 'ci.internal', path: '/releases', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ release_id: 'rel-1', service: 'checkout' }), token: await f.mint('ci-builder', { initiator: 'sso:ana' }) });
    expect(build.grpcCode).toBe(0);
    const approve = await f.check({ method: 'POST', host: 'ci.internal', path: '/releases/rel-1/approve', token: await f.mint('reviewer-1', { initiator: 'sso:ben' }) });
    expect(approve.grpcCode).toBe(0);
    const production = await deploy('production');
    expect(production.grpcCode).toBe(0);
    expect(production.metadata).toMatchObject({ shadow: true, would_block: true });
    expect((await deploy('staging')).grpcCode).toBe(0);
    expect((await f.check({ method: 'GET', host: 'ci.internal', path: '/releases', token: 'not-a-token' })).body).toMatchObject({ code: 'TOKEN_MALFORMED' });
    expect((await eventually(records, (all) => all.length >= 5, 10_000)).length).toBe(5);
  });

  it('shadow-report: one would-block, by the freeze rule, for the deployer', async () => {
    const report = createShadowReport();
    await readDecisionLog([log], {}, (r) => report.add(r));
    const result = report.result();
    expect(result).toMatchObject({ decisions: 5, wouldBlock: 1, blocked: 1 });
    expect(result.byRule).toEqual({ freeze: expect.objectContaining({ wouldBlock: 1, codes: { APPROVAL_REQUIRED: 1 } }) });
    expect(Object.keys(result.byAgent)).toEqual(['deployer-1']);
  });

  it('dry-run of the promoted freeze predicts exactly one new approval, and nothing else', async () => {
    const run = createDryRun(parsePolicy(v2, 'candidate.yaml'));
    await readDecisionLog([log], {}, (r) => run.add(r));
    const result = run.result();
    expect(result).toMatchObject({ evaluated: 4, unchanged: 3, notPolicy: 1, unevaluable: {} });
    expect(Object.entries(result.changed).filter(([, n]) => n > 0)).toEqual([['allow-to-approval', 1]]);
    expect(result.byRule).toEqual({ freeze: { 'allow-to-approval': 1 } });
    expect(result.examples['allow-to-approval']?.[0]).toMatchObject({ agentId: 'deployer-1', tool: 'release.deploy', after: { outcome: 'approval_needed', rule: 'freeze' } });
  });

  let override = '';
  it('enforces v2 after a hot reload: the production deploy now needs a release manager', async () => {
    const before = version();
    await writeFile(f.policyFile, v2);
    await eventually(version, (v) => v !== before, 10_000);
    expect(version()).toMatch(/^deploys-2026-11-21\.2\+/);
    const asked = await deploy('production');
    expect(asked.body).toMatchObject({ decision: 'approval_needed', code: 'APPROVAL_REQUIRED', rule_id: 'freeze', policy_version: version() });
    const id = String(asked.body?.approval_id);
    const vote = await fetch(`${f.httpUrl}/v1/approvals/${id}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await f.mintApprover('sso:release-manager-1')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(vote.status).toBe(200);
    const status = await fetch(`${f.httpUrl}/v1/approvals/${id}`, { headers: { authorization: `Bearer ${await f.mintChild(orchestrator, 'deployer-1', { initiator: 'sso:carl' })}` } });
    override = String(((await status.json()) as Record<string, unknown>).override_token);
    expect(override.split('.')).toHaveLength(3);
  });

  it('an override minted under v2 stops working once v3 is in force', async () => {
    await writeFile(f.policyFile, v3);
    await eventually(version, (v) => v.startsWith('deploys-2026-11-21.3+'), 10_000);
    expect((await deploy('production', { override })).body).toMatchObject({ code: 'OVERRIDE_STALE_POLICY' });
  });

  it('lists the kept versions and rolls back to a named one atomically; the override fits again', async () => {
    const versions = await admin('GET', '/v1/policy/versions');
    const kept = (versions.body.versions as { policy_version: string; active: boolean }[]).map((v) => v.policy_version);
    expect(kept.map((v) => v.split('+')[0])).toEqual(['deploys-2026-11-21.3', 'deploys-2026-11-21.2', 'deploys-2026-11-21.1']);
    const [v3Version, v2Version] = kept;
    const rolled = await admin('POST', '/v1/policy/rollback', { to: v2Version });
    expect(rolled).toMatchObject({ status: 200, body: { policy_version: v2Version, previous: v3Version, pinned: { policy_version: v2Version, file_version: v3Version } } });
    expect(version()).toBe(v2Version);
    const through = await deploy('production', { override });
    expect(through.grpcCode).toBe(0);
    expect(through.metadata).toMatchObject({ lifted_by: 'override', policy_version: v2Version });
  });

  it('keeps the rollback pinned against the unchanged file, counts an invalid edit, applies the next good one', async () => {
    expect(await f.gate.policy.reload()).toBe(false);
    expect(version()).toMatch(/^deploys-2026-11-21\.2\+/);
    expect(await readyz()).toMatchObject({ policy_pinned_by_rollback: true, policy_reloads_refused: 0 });

    await writeFile(f.policyFile, v3.replace('default: deny', 'default: maybe'));
    const refused = await eventually(readyz, (r) => r.policy_reloads_refused === 1, 10_000);
    expect(refused).toMatchObject({ policy_reloads_refused: 1, policy_pinned_by_rollback: true });
    expect(String(refused.policy_reload_error)).toMatch(/policy\.yaml:\d+:\d+: default: must be one of/);

    await writeFile(f.policyFile, v1.replace('version: "deploys-2026-11-21.1"', 'version: "deploys-2026-11-21.4"'));
    await eventually(version, (v) => v.startsWith('deploys-2026-11-21.4+'), 10_000);
    const ready = await readyz();
    expect(ready.policy_pinned_by_rollback).toBeUndefined();
    expect(ready.policy_reload_error).toBeUndefined();
    expect((await admin('GET', '/v1/policy/versions')).body).toMatchObject({ pinned: null, stats: { rollbacks: 1, reloads_refused: 1 } });
  });
});
