/**
 * Starts a whole dutygate — real config loader, identity, policy, memory state, gRPC and HTTP
 * servers — on loopback with fresh keys in a temp folder, plus an Envoy-proto client and
 * token minting helpers. The end-to-end tests drive it exactly as Envoy and agents would.
 */
import { rm } from 'node:fs/promises';
import type { JWK } from 'jose';
import { loadConfig } from '../../src/config/load-config.js';
import type { Telemetry } from '../../src/telemetry/telemetry.js';
import type { SigningKey } from '../../src/identity/generate-keys.js';
import { mintAgentToken, mintApproverToken, mintChildToken, mintDelegatedAgent, mintDelegation } from '../../src/identity/mint-token.js';
import type { MintAgentOptions, MintDelegationOptions } from '../../src/identity/mint-token.js';
import { createLogger } from '../../src/log/logger.js';
import { startGate, type Gate, type GateOptions } from '../../src/server/start-gate.js';
import { createEnvoyClient, summarizeCheckResponse, type CheckSummary, type EnvoyClient, type EnvoyRequestSpec } from './envoy-client.js';

import { APPROVER_AUDIENCE, APPROVER_ISSUER, AUDIENCE, ISSUER, writeGateFiles, type ApprovalKeys, type GateFilesOptions } from './gate-files.js';

export { APPROVER_AUDIENCE, APPROVER_ISSUER, AUDIENCE, ISSUER, type ApprovalKeys } from './gate-files.js';

/** A running gate and everything a test needs to talk to it. */
export interface GateFixture {
  readonly gate: Gate;
  readonly client: EnvoyClient;
  readonly dir: string;
  readonly policyFile: string;
  readonly agentKey: JWK;
  /** The agent issuer's key pair (pass as `agentKeys` to start a replica trusting the same issuer). */
  readonly agentKeys: SigningKey;
  /** The approver issuer's and the override signing key pairs (pass as `approvalKeys` for a replica). */
  readonly approvalKeys: ApprovalKeys;
  /** Mints an agent token from the trusted issuer. */
  mint(agentId: string, options?: Partial<MintAgentOptions>): Promise<string>;
  /** Mints an approver token (`sub` = principal) from the trusted approver issuer. */
  mintApprover(sub: string, options?: { ttlSeconds?: number; now?: Date }): Promise<string>;
  /** `http://127.0.0.1:<port>` of the gate's HTTP side. */
  readonly httpUrl: string;
  /** Mints the delegation attestation (chain link) by which `agentId` delegates to `delegateeAgentId`. */
  mintLink(agentId: string, delegateeAgentId: string, options?: Partial<MintDelegationOptions>): Promise<string>;
  /** Mints a child token naming `parentLink` (a delegation attestation to `agentId`). */
  mintChild(parentLink: string, agentId: string, options?: Partial<MintAgentOptions>): Promise<string>;
  /** Mints `agentId`'s token and the chain of links from `ancestors` (root first) down to it. */
  mintDelegated(agentId: string, ancestors: readonly string[], options?: Partial<MintAgentOptions>): Promise<{ token: string; chain: string[] }>;
  /** Key pairs of `moreIssuers`, by name. */
  readonly issuerKeys: ReadonlyMap<string, SigningKey>;
  /** Mints an agent token from the `moreIssuers` entry named `name`. */
  mintFrom(name: string, agentId: string, options?: Partial<MintAgentOptions>): Promise<string>;
  /** Sends a Check the way Envoy would and flattens the answer. */
  check(spec: EnvoyRequestSpec & { token?: string; chain?: readonly string[] }): Promise<CheckSummary>;
  close(): Promise<void>;
}

/** The gate's folder and config (gate-files.ts), and how the fixture starts it. */
export interface GateFixtureOptions extends GateFilesOptions {
  readonly now?: () => number;
  /** Spans and metrics of the gate (default: metrics only). */
  readonly telemetry?: Telemetry;
  /** Receives every log line of the gate (level info and up), parsed; default: the gate logs nothing. */
  readonly logLines?: (line: LogLine) => void;
  /** More start options (approvals hooks). */
  readonly gateOptions?: Omit<GateOptions, 'now'>;
}

/** One parsed pino line. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** Starts a gate with `policy` (YAML text). */
export async function startGateFixture(policy: string, options: GateFixtureOptions = {}): Promise<GateFixture> {
  const { dir, policyFile, configFile, agents, approvalKeys, issuerKeys } = await writeGateFiles(policy, options);
  const loaded = await loadConfig(configFile, {});
  const onLine = options.logLines;
  const logger = onLine ? createLogger('info', { write: (text: string) => onLine(JSON.parse(text) as LogLine) }) : createLogger('silent');
  const gate = await startGate(loaded, logger, { ...options.gateOptions, ...(options.now ? { now: options.now } : {}), ...(options.telemetry ? { telemetry: options.telemetry } : {}) });
  const client = createEnvoyClient(`127.0.0.1:${gate.grpcPort}`);
  const base = { iss: ISSUER, aud: AUDIENCE };

  return {
    gate,
    client,
    dir,
    policyFile,
    agentKey: agents.privateJwk,
    agentKeys: agents,
    approvalKeys,
    mint: (agentId, extra = {}) => mintAgentToken(agents.privateJwk, { ...base, agentId, ...extra }),
    mintApprover: (sub, extra = {}) => mintApproverToken(approvalKeys.approvers.privateJwk, { iss: APPROVER_ISSUER, aud: APPROVER_AUDIENCE, sub, ...extra }),
    httpUrl: `http://127.0.0.1:${gate.httpPort}`,
    mintLink: (agentId, delegateeAgentId, extra = {}) => mintDelegation(agents.privateJwk, { iss: ISSUER, agentId, delegateeAgentId, ...extra }),
    mintChild: (parentLink, agentId, extra = {}) => mintChildToken(agents.privateJwk, parentLink, { ...base, agentId, ...extra }),
    mintDelegated: (agentId, ancestors, extra = {}) => mintDelegatedAgent(agents.privateJwk, { ...base, agentId, ancestors, ...extra }),
    issuerKeys,
    mintFrom(name, agentId, extra = {}) {
      const more = options.moreIssuers?.find((entry) => entry.name === name);
      const key = issuerKeys.get(name);
      if (more === undefined || key === undefined) throw new Error(`no issuer named ${name} in moreIssuers`);
      return mintAgentToken(key.privateJwk, { iss: more.issuer, aud: AUDIENCE, agentId, ...extra });
    },
    async check({ token, chain, headers = {}, ...spec }) {
      const all: Record<string, string | readonly string[]> = { ...headers };
      if (token !== undefined) all.authorization = `Bearer ${token}`;
      if (chain !== undefined) all['x-agent-chain'] = chain.join(',');
      return summarizeCheckResponse(await client.check({ ...spec, headers: all }));
    },
    async close() {
      client.close();
      await gate.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
