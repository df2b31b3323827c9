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
import { loadBenchProtos } from '../../bench/bench-protos.js';
import { SCENARIOS } from '../../bench/workload/scenarios.js';
import { createTokenMinter } from '../../bench/workload/token-minter.js';
import { createWorkload, expectingAllAllowed } from '../../bench/workload/workload.js';
import type { AncestorMode, RequestSlice, Workload } from '../../bench/workload/workload.js';
import { AUDIENCE, ISSUER, startGateFixture } from '../helpers/gate-fixture.js';
import type { GateFixture } from '../helpers/gate-fixture.js';

let fixture: GateFixture;
let client: CheckClient;
let workload: Workload;

/** A workload over a fixture's agent issuer, as the bench builds it. */
const workloadOf = (ancestors: AncestorMode, seed = 11, of: GateFixture = fixture): Workload =>
  createWorkload({ minter: createTokenMinter(of.agentKey, ISSUER, AUDIENCE), seed, tokenTtlSeconds: 60, ancestors });

/** The `x-agent-chain` header of each request that has one, decoded as the gate decodes it. */
function chainHeaders(slice: RequestSlice): string[] {
  const decode = loadBenchProtos().check.requestDeserialize;
  return slice.bytes.map((bytes) => decode(bytes).attributes?.request?.http?.headers?.['x-agent-chain']).filter((header): header is string => header !== undefined);
}

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

describe('ancestor links: steady (reused) or fresh (new every delegated request)', () => {
  it('fresh: no two chained requests share a chain header, or even a link', () => {
    const fresh = workloadOf('fresh');
    const headers = chainHeaders(fresh.build(300));
    expect(headers.length).toBeGreaterThan(100);
    expect(new Set(headers).size).toBe(headers.length);
    const links = headers.flatMap((header) => header.split(','));
    expect(links).toHaveLength(2 * headers.length);
    expect(new Set(links).size).toBe(links.length);
  });

  it('steady: chained requests share chain headers, all under 16 root links', () => {
    const steady = workloadOf('steady');
    const headers = chainHeaders(steady.build(2000));
    expect(headers.length).toBeGreaterThan(800);
    expect(new Set(headers).size).toBeLessThan(headers.length / 2);
    expect(new Set(headers.map((header) => header.split(',')[0])).size).toBeLessThanOrEqual(16);
  });

  it('the mode changes the links only: same seed, same scenarios and expectations', () => {
    const steady = workloadOf('steady', 5).build(200);
    const fresh = workloadOf('fresh', 5).build(200);
    expect([...fresh.scenario]).toEqual([...steady.scenario]);
    expect([...fresh.expected]).toEqual([...steady.expected]);
  });

  it('stats() names the mode and counts signature verifications per request', () => {
    const steady = workloadOf('steady');
    steady.build(2000);
    const fresh = workloadOf('fresh');
    fresh.build(2000);
    expect(workloadOf('steady').stats().ancestors).toBe('steady');
    expect(steady.stats().ancestors).toBe('steady');
    expect(fresh.stats().ancestors).toBe('fresh');
    expect(fresh.stats().signaturesPerRequest).toBeCloseTo(1 + 2 * fresh.stats().chainedFraction, 10);
    expect(steady.stats().signaturesPerRequest).toBeGreaterThan(1);
    expect(steady.stats().signaturesPerRequest).toBeLessThan(1.2);
  });
});

describe('fresh ancestors through the real gate', () => {
  // A gate of its own: the tests above leave each agent with its quota of pending approvals, so
  // another seed's approval_needed calls would be denied APPROVAL_LIMIT there.
  let freshGate: GateFixture;
  let freshClient: CheckClient;

  beforeAll(async () => {
    const policy = await readFile(new URL('../../bench/fixtures/policy.yaml', import.meta.url), 'utf8');
    freshGate = await startGateFixture(policy);
    freshClient = await connectCheckClient(freshGate.gate.grpcPort, 2000);
  });

  afterAll(async () => {
    freshClient?.close();
    await freshGate?.close();
  });

  it('every answer is one its scenario allows, with the steady mix: the new links are valid chains', async () => {
    const fresh = workloadOf('fresh', 23, freshGate);
    const result = await verifyServer(freshClient, fresh.build(400), { expectAllAllowed: false, concurrency: 8 });
    expect(result.examples).toEqual([]);
    expect(result.mismatches).toBe(0);
    expect(result.mix.allow).toBeGreaterThan(0.55);
    expect(result.mix.allow).toBeLessThan(0.75);
    expect(result.mix.approval_needed).toBeGreaterThan(0.08);
    expect(result.codes['CHAIN_INVALID']).toBeUndefined();
    expect(fresh.stats().chainedFraction).toBeGreaterThan(0.4);
  });
});
