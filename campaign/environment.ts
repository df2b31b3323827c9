/**
 * What every category shares: a whole dutygate (real config loader, identity, policy, memory
 * state, gRPC and HTTP servers) on loopback with the campaign policy, Envoy-proto clients, token
 * minting, and a timed `check`. Fault drills start their own gates with `startGate`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Answer } from './category.js';
import { REPO_ROOT } from './repo-root.js';
import { startGateFixture, type GateFixture, type GateFixtureOptions } from '../test/helpers/gate-fixture.js';
import { summarizeCheckResponse, type EnvoyRequestSpec } from '../test/helpers/envoy-client.js';

/** The campaign policy's YAML text. */
export const CAMPAIGN_POLICY = await readFile(join(REPO_ROOT, 'campaign', 'policy.yaml'), 'utf8');

/** A request spec with the agent's credentials. */
export type CampaignRequest = EnvoyRequestSpec & { token?: string; chain?: readonly string[] };

export interface CampaignEnv {
  readonly mode: 'short' | 'long';
  readonly seed: number;
  /** The shared gate (memory state) with the campaign policy. */
  readonly gate: GateFixture;
  /** Sends one Check to `gate` (default the shared one), timed; never throws. */
  check(request: CampaignRequest, gate?: GateFixture): Promise<Answer>;
  /** Starts another gate with the campaign policy (or `policy`); the caller closes it. */
  startGate(options?: GateFixtureOptions & { policy?: string }): Promise<GateFixture>;
  /** Progress lines go to stderr, so stdout holds the report alone. */
  log(line: string): void;
}

/** Starts the shared environment. */
export async function createEnvironment(mode: 'short' | 'long', seed: number): Promise<CampaignEnv & { close(): Promise<void> }> {
  const gate = await startGateFixture(CAMPAIGN_POLICY);
  return {
    mode,
    seed,
    gate,
    check: (request, target = gate) => timedCheck(target, request),
    startGate: ({ policy, ...options } = {}) => startGateFixture(policy ?? CAMPAIGN_POLICY, options),
    log: (line) => process.stderr.write(`[campaign ${new Date().toISOString().slice(11, 19)}] ${line}\n`),
    close: () => gate.close(),
  };
}

/** One Check through the gate's Envoy client, timed from send to answer. */
export async function timedCheck(gate: GateFixture, { token, chain, headers = {}, ...spec }: CampaignRequest): Promise<Answer> {
  const all: Record<string, string | readonly string[]> = { ...headers };
  if (token !== undefined) all.authorization = `Bearer ${token}`;
  if (chain !== undefined) all['x-agent-chain'] = chain.join(',');
  const started = performance.now();
  try {
    const response = await gate.client.check({ ...spec, headers: all }, { deadlineMs: 5_000 });
    return { summary: summarizeCheckResponse(response), ms: performance.now() - started };
  } catch (error) {
    return { rpcError: error instanceof Error ? error.message : String(error), ms: performance.now() - started };
  }
}
