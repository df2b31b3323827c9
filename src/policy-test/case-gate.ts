import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOverrideTokens } from '../approvals/override-token.js';
import { createCheckPipeline } from '../check/check-pipeline.js';
import type { CheckOutcome } from '../check/outcome.js';
import { CONFIG_DEFAULTS } from '../config/defaults.js';
import { generateSigningKey, type SigningKey } from '../identity/generate-keys.js';
import { DEFAULT_ISSUER_NAME } from '../lib/issuer-name.js';
import { mintDelegatedAgent } from '../identity/mint-token.js';
import { principalOf } from '../identity/principal.js';
import { createAgentVerifier, type AgentVerifier } from '../identity/verify-agent.js';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { HttpRequest } from '../request/http-request.js';
import { createMemoryStore } from '../state/memory/memory-store.js';
import type { StateStore } from '../state/state-store.js';
import { createCaseApprovals } from './case-approvals.js';
import type { RequestJudgement } from '../policy/judge-call.js';
import { httpRequestOf, judgeCase } from './case-engine.js';
import type { PolicyCase } from './policy-case.js';

const AUDIENCE = 'dutygate';
/** The `iss` of the throw-away issuer standing in for the configured issuer `name`. */
const issuerUrl = (name: string) => `https://${name}.dutygate.policy-test.invalid`;
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
  /**
   * The gate's agent issuer names (`identity.issuers[].name`) and `identity.home_issuer`
   * (docs/design.md §2). Unset, the issuer is `default` (home), and a case naming another
   * issuer adds it (its agents are then `<name>|<agent_id>`).
   */
  readonly issuers?: readonly string[];
  readonly homeIssuer?: string;
}

/** Runs cases through the gate's own Check pipeline. */
export interface CaseGate {
  /** One case, on fresh state seeded with its ledger; resolves the outcome Envoy would be given. */
  run(policy: CompiledPolicy, testCase: PolicyCase): Promise<CheckOutcome>;
  /** One case judged by the policy engine alone, under this gate's request limits (case-engine.ts). */
  judge(policy: CompiledPolicy, testCase: PolicyCase): RequestJudgement;
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
  const names = options.issuers ?? [DEFAULT_ISSUER_NAME];
  const home = options.homeIssuer ?? (options.issuers === undefined || names.length === 1 ? names[0] : undefined);
  const keys = new Map<string, SigningKey>();
  for (const name of names) keys.set(name, await generateSigningKey({ kid: `policy-test-${name}` }));
  let verifier = await verifierFor(keys, home, options);
  // The key of the case's issuer; without a configuration an issuer a case names is added.
  const keyFor = async (name: string | undefined): Promise<{ name: string; key: SigningKey }> => {
    const wanted = name ?? home ?? names[0] ?? DEFAULT_ISSUER_NAME;
    const known = keys.get(wanted);
    if (known) return { name: wanted, key: known };
    if (options.issuers !== undefined) throw new Error(`agent.issuer '${wanted}' is not a configured issuer (${names.join(', ')})`);
    const key = await generateSigningKey({ kid: `policy-test-${wanted}` });
    keys.set(wanted, key);
    verifier = await verifierFor(keys, home, options);
    return { name: wanted, key };
  };
  const limits = {
    maxBodyBytes: options.maxBodyBytes ?? CONFIG_DEFAULTS.limits.maxBodyBytes,
    maxJsonDepth: options.maxJsonDepth ?? CONFIG_DEFAULTS.limits.maxJsonDepth,
    checkTimeoutMs: CASE_TIMEOUT_MS,
  };

  const overrides = await createOverrideTokens({ privateJwk: (await generateSigningKey({ kid: 'policy-test-override' })).privateJwk, ttlMs: OVERRIDE_TTL_MS });
  const aliases = options.aliases ?? {};

  return {
    judge: (policy, testCase) => judgeCase(policy, testCase, limits),

    async run(policy, testCase) {
      const state = createMemoryStore({ maxJtiEntries: 10_000, ledgerTtlMs: DAY_MS, sweepIntervalMs: 0 });
      try {
        const now = Date.now();
        // Before the handler is built: a case naming a new issuer replaces the verifier.
        const issuer = await keyFor(testCase.agent.issuer);
        await seedLedger(state, testCase, now);
        const approvals = createCaseApprovals({ state, overrides, policy, aliases, stateTimeoutMs: CASE_TIMEOUT_MS });
        // Grants name the agent's principal, as the gate spells it (docs/design.md §2).
        const principal = principalOf({ name: issuer.name, home: issuer.name === home }, testCase.agent.id);
        if (testCase.breakGlass) await approvals.grantBreakGlass(principal, testCase.agent.initiator, now);
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
        const first = await check(await requestFor(issuer, testCase), {});
        // An override only ever lifts approval_needed: any other first answer is the answer.
        if (!testCase.override || first.decision !== 'approval_needed' || first.approvalId === undefined) return first;
        const token = await approvals.approveAndFetchOverride(first.approvalId, Date.now());
        return await check(await requestFor(issuer, testCase, token), {});
      } finally {
        await state.close();
      }
    },
  };
}

/** The verifier reads its JWKS files once, at creation: the temp folder is gone right after. */
async function verifierFor(keys: ReadonlyMap<string, SigningKey>, home: string | undefined, options: CaseGateOptions): Promise<AgentVerifier> {
  const dir = await mkdtemp(join(tmpdir(), 'dutygate-policy-test-'));
  try {
    const issuers = [];
    for (const [name, key] of keys) {
      const jwksFile = join(dir, `${name}.jwks.json`);
      await writeFile(jwksFile, JSON.stringify(key.publicJwks));
      issuers.push({ ...CONFIG_DEFAULTS.issuer, algorithms: ['EdDSA'], name, issuer: issuerUrl(name), audience: AUDIENCE, jwksFile });
    }
    const identity = {
      ...CONFIG_DEFAULTS.identity,
      issuers,
      ...(home === undefined ? {} : { homeIssuer: home }),
      maxChainDepth: options.maxChainDepth ?? CONFIG_DEFAULTS.identity.maxChainDepth,
    };
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
async function requestFor(issuer: { name: string; key: SigningKey }, testCase: PolicyCase, overrideToken?: string): Promise<HttpRequest> {
  const { agent } = testCase;
  const privateJwk = issuer.key.privateJwk;
  const base = { iss: issuerUrl(issuer.name), aud: AUDIENCE, ...(agent.initiator === undefined ? {} : { initiator: agent.initiator }) };
  const { token, chain } = await mintDelegatedAgent(privateJwk, { ...base, agentId: agent.id, ancestors: agent.ancestors });
  // The engine's request for the case, plus what only the gate reads: the token, the chain, the override.
  const request = httpRequestOf(testCase.request);
  const headers = new Map(request.headers);
  headers.set('authorization', `Bearer ${token}`);
  if (chain.length > 0) headers.set('x-agent-chain', chain.join(','));
  if (overrideToken !== undefined) headers.set('x-dutygate-override', overrideToken);
  return { ...request, headers };
}
