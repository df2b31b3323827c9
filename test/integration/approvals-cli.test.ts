/**
 * `dutygate approvals …` and `dutygate demo` as a user runs them (the built CLI; `npm test`
 * builds first), against a gate started by the test fixture. Each CLI run is a Node start-up,
 * slow on a busy machine: the timeouts are generous on purpose, nothing here measures time.
 */
import { readFile } from 'node:fs/promises';
import { runCli } from '../helpers/run-cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateFixture, type GateFixture } from '../helpers/gate-fixture.js';

const POLICY = await readFile(new URL('../../examples/dev/policy.yaml', import.meta.url), 'utf8');

const dutygate = (args: string[], env: Record<string, string> = {}) => runCli(args, env);

describe('dutygate approvals (CLI)', () => {
  let f: GateFixture;
  beforeAll(async () => {
    f = await startGateFixture(POLICY, { configExtra: 'principals: { aliases: { "slack:U0FINANCE1": "sso:frank", "slack:U0FINANCE2": "sso:carol" } }' });
  });
  afterAll(async () => {
    await f.close();
  });

  it('list → approve → status → check --override: one retry allowed', async () => {
    const planner = await f.mintLink('planner', 'finance-cli', { initiator: 'sso:carol' });
    const agent = () => f.mintChild(planner, 'finance-cli', { initiator: 'sso:carol' });
    const body = JSON.stringify({ payment_id: 'pay_cli', amount: 9000, destination: 'acct_9f8e7d6c5b' });
    const check = async (...extra: string[]) =>
      dutygate(['check', '-a', `127.0.0.1:${f.gate.grpcPort}`, '-X', 'POST', '-u', 'http://payments.internal/payments', '-t', await agent(), '--chain', planner, '-d', body, ...extra]);
    const asked = await check();
    expect(asked.code).toBe(2);
    const id = (JSON.parse(asked.stdout) as { body: { approval_id: string } }).body.approval_id;
    const frank = await f.mintApprover('sso:frank');
    const common = ['--url', f.httpUrl];

    const list = await dutygate(['approvals', 'list', ...common], { DUTYGATE_TOKEN: frank });
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { approvals: { approval_id: string }[] }).approvals.map((each) => each.approval_id)).toContain(id);

    const carol = await dutygate(['approvals', 'approve', id, ...common, '-t', await f.mintApprover('sso:carol')]);
    expect(carol.code).toBe(1);
    expect(carol.stderr).toMatch(/403 APPROVER_IS_INITIATOR/);

    const approve = await dutygate(['approvals', 'approve', id, '--reason', 'invoice INV-7 checked', ...common, '-t', frank]);
    expect(approve.code).toBe(0);
    expect(JSON.parse(approve.stdout)).toMatchObject({ approval_id: id, status: 'approved', result: 'recorded' });

    const status = await dutygate(['approvals', 'status', id, ...common, '-t', await agent()]);
    expect(status.code).toBe(0);
    const override = (JSON.parse(status.stdout) as { override_token: string }).override_token;

    expect((await check('--override', override)).code).toBe(0);
    const again = await check('--override', override);
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stdout)).toMatchObject({ body: { code: 'OVERRIDE_SPENT' } });
  }, 90_000);

  it('deny and break-glass; a missing token is a usage error', async () => {
    const frank = await f.mintApprover('sso:frank');
    const glass = await dutygate(['approvals', 'break-glass', '--agent', 'finance-x', '--reason', 'INC-9', '--ttl', '20m', '--url', f.httpUrl, '-t', frank]);
    expect(glass.code).toBe(0);
    const id = (JSON.parse(glass.stdout) as { approval_id: string }).approval_id;
    const deny = await dutygate(['approvals', 'deny', id, '--reason', 'not an incident', '--url', f.httpUrl, '-t', await f.mintApprover('sso:erin')]);
    expect(deny.code).toBe(0);
    expect(JSON.parse(deny.stdout)).toMatchObject({ status: 'denied' });
    const none = await dutygate(['approvals', 'list', '--url', f.httpUrl], { DUTYGATE_TOKEN: '' });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/bearer token is needed/);
  }, 60_000);
});

describe('dutygate demo', () => {
  it('walks the whole loop and exits 0', async () => {
    const demo = await dutygate(['demo']);
    expect(demo.stdout).toContain('The loop is complete.');
    expect(demo.stdout).not.toContain('✗');
    expect(demo.code).toBe(0);
  }, 60_000);
});
