/**
 * The bench's workload against the real gate: every request the load generator sends gets a
 * decision its scenario allows, the mix is what the README claims, and the client, encoder and
 * response reader agree with the gate. A policy or pipeline change that silently turned the
 * benchmark into "deny everything fast" fails here.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCheckClient } from '../../bench/load/check-client.js';
import type { CheckClient } from '../../bench/load/check-client.js';
import { runClosedLoop } from '../../bench/load/closed-loop.js';
import { verifyServer } from '../../bench/load/verify-pass.js';
import { SCENARIOS } from '../../bench/workload/scenarios.js';
import { createTokenMinter } from '../../bench/workload/token-minter.js';
import { createWorkload, expectingAllAllowed } from '../../bench/workload/workload.js';
import type { Workload } from '../../bench/workload/workload.js';
import { AUDIENCE, ISSUER, startGateFixture } from '../helpers/gate-fixture.js';
import type { GateFixture } from '../helpers/gate-fixture.js';

let fixture: GateFixture;
let client: CheckClient;
let workload: Workload;

beforeAll(async () => {
  const policy = await readFile(new URL('../../bench/fixtures/policy.yaml', import.meta.url), 'utf8');
  // The fixture enables approvals (overrides key), as the bench's gate config does.
  fixture = await startGateFixture(policy);
  client = await connectCheckClient(fixture.gate.grpcPort, 2000);
  workload = createWorkload({ minter: createTokenMinter(fixture.agentKey, ISSUER, AUDIENCE), seed: 11, tokenTtlSeconds: 60 });
});

afterAll(async () => {
  client?.close();
  await fixture?.close();
});

describe('bench workload through the real gate', () => {
  it('every answer is one its scenario allows, and the mix is as documented', async () => {
    const slice = workload.build(600);
    const seen = new Set(slice.scenario);
    expect(SCENARIOS.filter((_, index) => !seen.has(index)).map((s) => s.name)).toEqual([]);

    const result = await verifyServer(client, slice, { expectAllAllowed: false, concurrency: 8 });
    expect(result.examples).toEqual([]);
    expect(result.mismatches).toBe(0);
    expect(result.mix.allow).toBeGreaterThan(0.55);
    expect(result.mix.allow).toBeLessThan(0.75);
    expect(result.mix.deny).toBeGreaterThan(0.12);
    expect(result.mix.approval_needed).toBeGreaterThan(0.08);
    expect(Object.keys(result.codes).sort()).toEqual(expect.arrayContaining(['APPROVAL_REQUIRED', 'CHAIN_REQUIRED', 'NO_RULE', 'NO_TOOL', 'OK', 'POLICY_DENY']));

    const stats = workload.stats();
    expect(stats.chainedFraction).toBeGreaterThan(0.4);
    expect(stats.chainedFraction).toBeLessThan(0.6);
    expect(stats.meanHeaders).toBeGreaterThan(14);
    expect(stats.meanBodyBytes).toBeGreaterThan(200);
    expect(stats.meanBodyBytes).toBeLessThan(400);
  });

  it('a replayed slice is refused (each token is spent once), and the closed loop counts it as unexpected', async () => {
    const slice = workload.build(40);
    const first = await runClosedLoop(client, slice, { concurrency: 4, durationMs: 10_000 });
    expect(first).toMatchObject({ sent: 40, completed: 40, mismatches: 0, rpcErrors: 0, exhausted: true });
    const again = await runClosedLoop(client, slice, { concurrency: 4, durationMs: 10_000 });
    expect(again.statusCounts).toEqual({ '16': 40 });
    expect(again.mismatches).toBe(40);
  });

  it('a server that allows everything mismatches the scenario expectations unless told it is the floor', async () => {
    const slice = workload.build(200);
    const allAllow = { ...slice, expected: new Uint8Array(slice.bytes.length) };
    const result = await runClosedLoop(client, allAllow, { concurrency: 8, durationMs: 10_000 });
    expect(result.mismatches).toBeGreaterThan(20);
    expect(expectingAllAllowed(slice).expected.every((value) => value === 0)).toBe(true);
  });
});
