import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { createOverrideTokens } from '../approvals/override-token.js';
import { createCheckPipeline } from '../check/check-pipeline.js';
import type { CheckOutcome } from '../check/outcome.js';
import { CONFIG_DEFAULTS } from '../config/defaults.js';
import { generateSigningKey } from '../identity/generate-keys.js';
import { mintDelegatedAgent } from '../identity/mint-token.js';
import { createAgentVerifier, type AgentVerifier } from '../identity/verify-agent.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { HttpRequest } from '../request/http-request.js';
import { createMemoryStore } from '../state/memory/memory-store.js';
import type { StateStore } from '../state/state-store.js';
import { createCaseApprovals } from './case-approvals.js';
import type { PolicyCase } from './policy-case.js';

const ISSUER = 'https://dutygate.policy-test.invalid';
const AUDIENCE = 'dutygate';
/**
 * A deadline is not policy semantics: on a busy CI runner the first check (cold JIT) can take
 * longer than the gate's 150 ms, and a timeout here would be a flaky test, not a finding.
 */
const CASE_TIMEOUT_MS = 10_000;
const DAY_MS = 86_400_000;
const OVERRIDE_TTL_MS = 600_000;

/** Gate settings that change decisions; the rest of a gate's config does not matter to a case. */
export interface CaseGateOptions {
  /** `principals.aliases` (one person, several principals: matters for initiator SoD). */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly maxBodyBytes?: number;
  readonly maxJsonDepth?: number;
  readonly maxChainDepth?: number;
}

/** Runs cases through the gate's own Check pipeline. */
export interface CaseGate {
  /** One case, on fresh state seeded with its ledger; resolves the outcome Envoy would be given. */
  run(policy: CompiledPolicy, testCase: PolicyCase): Promise<CheckOutcome>;
}

/**
 * An in-process gate for `policy test`: the server's `createCheckHandler` with a real identity
 * verifier (a throw-away Ed25519 issuer whose tokens are minted per case, chain links included),
 * a fresh memory state store per case (seeded with the case's prior ledger entries), and the
 * policy under test, and the approvals module (a throw-away override key, no notifier). So a
 * case goes through exactly what a Check goes through — identity, replay, chain attestation,
 * request → tool, `evaluate()`, approvals (records, override tokens, break-glass), the atomic
 * ledger commit and the outcome building — and only the transport (gRPC, Envoy protos) is left
 * out. `override: true` approves the approval the first answer asked for (votes from the listed
 * approvers, as over the HTTP API) and retries once with its override token; `break_glass: true`
 * grants the agent an approved break-glass window first (the policy needs `break_glass:`).
 */
export async function createCaseGate(options: CaseGateOptions = {}): Promise<CaseGate> {
  const key = await generateSigningKey({ kid: 'policy-test' });
  const verifier = await verifierFor(key.publicJwks, options);
  const limits = {
    maxBodyBytes: options.maxBodyBytes ?? CONFIG_DEFAULTS.limits.maxBodyBytes,
    maxJsonDepth: options.maxJsonDepth ?? CONFIG_DEFAULTS.limits.maxJsonDepth,
    checkTimeoutMs: CASE_TIMEOUT_MS,
  };

  const overrides = await createOverrideTokens({ privateJwk: (await generateSigningKey({ kid: 'policy-test-override' })).privateJwk, ttlMs: OVERRIDE_TTL_MS });
  const aliases = options.aliases ?? {};

  return {
    async run(policy, testCase) {
      const state = createMemoryStore({ maxJtiEntries: 10_000, ledgerTtlMs: DAY_MS, sweepIntervalMs: 0 });
      try {
        const now = Date.now();
        await seedLedger(state, testCase, now);
        const approvals = createCaseApprovals({ state, overrides, policy, aliases, stateTimeoutMs: CASE_TIMEOUT_MS });
        if (testCase.breakGlass) await approvals.grantBreakGlass(testCase.agent.id, testCase.agent.initiator, now);
        const check = createCheckPipeline({
          authenticator: verifier,
          policy: () => policy,
          state,
          limits,
          stateTimeoutMs: CASE_TIMEOUT_MS,
          clockSkewMs: CONFIG_DEFAULTS.identity.clockSkewMs,
          aliases,
          approvals: approvals.gate,
        });
        const first = await check(await requestFor(key.privateJwk, testCase), {});
        // An override only ever lifts approval_needed: any other first answer is the answer.
        if (!testCase.override || first.decision !== 'approval_needed' || first.approvalId === undefined) return first;
        const token = await approvals.approveAndFetchOverride(first.approvalId, Date.now());
        return await check(await requestFor(key.privateJwk, testCase, token), {});
      } finally {
        await state.close();
      }
    },
  };
}

/** The verifier reads its JWKS file once, at creation: the temp folder is gone right after. */
async function verifierFor(publicJwks: { keys: JWK[] }, options: CaseGateOptions): Promise<AgentVerifier> {
  const dir = await mkdtemp(join(tmpdir(), 'dutygate-policy-test-'));
  try {
    const jwksFile = join(dir, 'issuer.jwks.json');
    await writeFile(jwksFile, JSON.stringify(publicJwks));
    const issuer = { ...CONFIG_DEFAULTS.issuer, algorithms: ['EdDSA'], issuer: ISSUER, audience: AUDIENCE, jwksFile };
    const identity = { ...CONFIG_DEFAULTS.identity, issuers: [issuer], maxChainDepth: options.maxChainDepth ?? CONFIG_DEFAULTS.identity.maxChainDepth };
    return await createAgentVerifier(identity, CONFIG_DEFAULTS.limits);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Prior entries are recorded as plain (unenforced) steps, exactly as an earlier allowed call would leave them. */
async function seedLedger(state: StateStore, testCase: PolicyCase, now: number): Promise<void> {
  for (const entry of testCase.ledger) {
    const step = { duty: entry.duty, resource: entry.resource, step: entry.step, distinct: [], enforced: false };
    await state.commitDutySteps([step], { agentId: entry.agentId, ...(entry.initiator === undefined ? {} : { initiator: entry.initiator }) }, now);
  }
}

/** The request as `src/authz/` would build it from Envoy's CheckRequest, with minted tokens. */
async function requestFor(privateJwk: JWK, testCase: PolicyCase, overrideToken?: string): Promise<HttpRequest> {
  const { agent, request } = testCase;
  const base = { iss: ISSUER, aud: AUDIENCE, ...(agent.initiator === undefined ? {} : { initiator: agent.initiator }) };
  const { token, chain } = await mintDelegatedAgent(privateJwk, { ...base, agentId: agent.id, ancestors: agent.ancestors });
  const headers = new Map(Object.entries(request.headers));
  headers.set('authorization', `Bearer ${token}`);
  if (chain.length > 0) headers.set('x-agent-chain', chain.join(','));
  if (overrideToken !== undefined) headers.set('x-dutygate-override', overrideToken);
  return {
    method: request.method,
    host: request.host,
    path: request.path,
    query: request.query,
    headers,
    body: request.body === undefined ? undefined : new TextEncoder().encode(request.body),
    bodyTruncated: request.bodyTruncated,
    contextExtensions: {},
  };
}
