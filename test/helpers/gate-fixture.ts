/**
 * Starts a whole dutygate — real config loader, identity, policy, memory state, gRPC and HTTP
 * servers — on loopback with fresh keys in a temp folder, plus an Envoy-proto client and
 * token minting helpers. The end-to-end tests drive it exactly as Envoy and agents would.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { loadConfig } from '../../src/config/load-config.js';
import type { Telemetry } from '../../src/telemetry/telemetry.js';
import { generateSigningKey, type SigningKey } from '../../src/identity/generate-keys.js';
import { mintAgentToken, mintApproverToken, mintChildToken, mintDelegatedAgent, mintDelegation } from '../../src/identity/mint-token.js';
import type { MintAgentOptions, MintDelegationOptions } from '../../src/identity/mint-token.js';
import { createLogger } from '../../src/log/logger.js';
import { startGate, type Gate, type GateOptions } from '../../src/server/start-gate.js';
import { createEnvoyClient, summarizeCheckResponse, type CheckSummary, type EnvoyClient, type EnvoyRequestSpec } from './envoy-client.js';

export const ISSUER = 'https://tokens.test.local';
export const AUDIENCE = 'dutygate';
export const APPROVER_ISSUER = 'https://sso.test.local';
export const APPROVER_AUDIENCE = 'dutygate-approvals';

/** Key pairs of the approvals side: the approver issuer and dutygate's override key. */
export interface ApprovalKeys {
  readonly approvers: SigningKey;
  readonly override: SigningKey;
}

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

/** Extra YAML appended to the generated config (e.g. `limits:`). */
export interface GateFixtureOptions {
  readonly configExtra?: string;
  /** More keys of the agent issuer's flow mapping (e.g. `delegation: act`). */
  readonly issuerExtra?: string;
  /** One more line under `identity:` (e.g. `max_chain_depth: 2`). */
  readonly identityExtra?: string;
  readonly watch?: boolean;
  readonly now?: () => number;
  /** Spans and metrics of the gate (default: metrics only). */
  readonly telemetry?: Telemetry;
  /** The config's `audit:` line (default `audit: { decision_log: off }`: tests print no decision lines). */
  readonly audit?: string;
  /** Trust (and mint with) this agent issuer key instead of a fresh one: replicas of one fleet. */
  readonly agentKeys?: SigningKey;
  /** Trust this approver issuer and sign overrides with this key: replicas of one fleet. */
  readonly approvalKeys?: ApprovalKeys;
  /** More keys of the `overrides:` flow mapping (e.g. `deployment: eu-2`). */
  readonly overridesExtra?: string;
  /** Approvals over the API with an override key and an approver issuer (default true). */
  readonly approvals?: boolean;
  /** Receives every log line of the gate (level info and up), parsed; default: the gate logs nothing. */
  readonly logLines?: (line: LogLine) => void;
  /** More start options (approvals hooks). */
  readonly gateOptions?: Omit<GateOptions, 'now'>;
  /** Trust the agent issuer's keys from this URL instead of the generated JWKS file. */
  readonly jwksUrl?: string;
  /**
   * More agent issuers, each with fresh keys (docs/design.md §2: issuers are namespaces). With
   * any, name the fixture's own issuer too (`issuerExtra: 'name: corp'`).
   */
  readonly moreIssuers?: readonly { readonly name: string; readonly issuer: string }[];
}

/** One parsed pino line. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** Starts a gate with `policy` (YAML text). */
export async function startGateFixture(policy: string, options: GateFixtureOptions = {}): Promise<GateFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'dutygate-e2e-'));
  const agents = options.agentKeys ?? (await generateSigningKey({ kid: 'agents-1' }));
  await writeFile(join(dir, 'agents.jwks.json'), JSON.stringify(agents.publicJwks));
  const approvers = options.approvalKeys?.approvers ?? (await generateSigningKey({ kid: 'approvers-1' }));
  await writeFile(join(dir, 'approvers.jwks.json'), JSON.stringify(approvers.publicJwks));
  const override = options.approvalKeys?.override ?? (await generateSigningKey({ kid: 'override-1' }));
  await writeFile(join(dir, 'override.private.jwk.json'), JSON.stringify(override.privateJwk));
  const approvals = options.approvals ?? true;
  const issuerKeys = new Map<string, SigningKey>();
  for (const { name } of options.moreIssuers ?? []) {
    const key = await generateSigningKey({ kid: `${name}-1` });
    issuerKeys.set(name, key);
    await writeFile(join(dir, `${name}.jwks.json`), JSON.stringify(key.publicJwks));
  }
  const policyFile = join(dir, 'policy.yaml');
  await writeFile(policyFile, policy);
  const config = [
    'grpc: { host: 127.0.0.1, port: 0 }',
    'http: { host: 127.0.0.1, port: 0 }',
    'identity:',
    '  issuers:',
    `    - { issuer: "${ISSUER}", audience: ${AUDIENCE}, ${options.jwksUrl === undefined ? 'jwks_file: ./agents.jwks.json' : `jwks_url: "${options.jwksUrl}"`}${options.issuerExtra === undefined ? '' : `, ${options.issuerExtra}`} }`,
    ...(options.moreIssuers ?? []).map(({ name, issuer }) => `    - { name: ${name}, issuer: "${issuer}", audience: ${AUDIENCE}, jwks_file: ./${name}.jwks.json }`),
    ...(options.identityExtra === undefined ? [] : [`  ${options.identityExtra}`]),
    `policy: { file: ./policy.yaml, watch: ${options.watch ?? false} }`,
    'log: { level: silent }',
    options.audit ?? 'audit: { decision_log: off }',
    ...(approvals
      ? [
          `approvers: { issuers: [ { issuer: "${APPROVER_ISSUER}", audience: ${APPROVER_AUDIENCE}, jwks_file: ./approvers.jwks.json } ] }`,
          `overrides: { signing_key_file: ./override.private.jwk.json${options.overridesExtra === undefined ? '' : `, ${options.overridesExtra}`} }`,
        ]
      : []),
    options.configExtra ?? '',
  ].join('\n');
  await writeFile(join(dir, 'dutygate.yaml'), config);
  const loaded = await loadConfig(join(dir, 'dutygate.yaml'), {});
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
    approvalKeys: { approvers, override },
    mint: (agentId, extra = {}) => mintAgentToken(agents.privateJwk, { ...base, agentId, ...extra }),
    mintApprover: (sub, extra = {}) => mintApproverToken(approvers.privateJwk, { iss: APPROVER_ISSUER, aud: APPROVER_AUDIENCE, sub, ...extra }),
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
