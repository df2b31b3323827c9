/**
 * The gate's Check pipeline in process, for properties about override tokens: the server's
 * `createCheckFunction` with a real agent verifier (a throw-away Ed25519 issuer), a memory state
 * store, and the real approvals gate with real override tokens. `overrideFor` mints a genuine
 * override token for exactly the call a request makes — an approved record with its agent,
 * request, params hash, policy version and deployment — under whatever set of rule ids the caller
 * names, as if approvers had approved that very call.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { createApprovalGate } from '../../src/approvals/approval-gate.js';
import { createLogApprovalEvents } from '../../src/approvals/approval-events.js';
import { NO_NOTIFIER } from '../../src/approvals/notifier.js';
import { createOverrideTokens, type OverrideTokens } from '../../src/approvals/override-token.js';
import { requestBindingOf } from '../../src/approvals/request-binding.js';
import { hashParams } from '../../src/audit/canonical-record.js';
import type { CheckOutcome } from '../../src/check/outcome.js';
import type { CheckFunction } from '../../src/check/check-function.js';
import { createCheckPipeline } from '../../src/check/check-pipeline.js';
import { CONFIG_DEFAULTS } from '../../src/config/defaults.js';
import { generateSigningKey, type SigningKey } from '../../src/identity/generate-keys.js';
import { mintAgentToken } from '../../src/identity/mint-token.js';
import { createAgentVerifier } from '../../src/identity/verify-agent.js';
import { createLogger } from '../../src/log/logger.js';
import type { CompiledPolicy } from '../../src/policy/compile-policy.js';
import type { HttpRequest } from '../../src/request/http-request.js';
import { createMemoryStore } from '../../src/state/memory/memory-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { mapRequest } from '../../src/policy/mapping/map-request.js';

const ISSUER = 'https://tokens.override-pipeline.invalid';
const AUDIENCE = 'dutygate';
const LIMITS = { maxBodyBytes: CONFIG_DEFAULTS.limits.maxBodyBytes, maxJsonDepth: CONFIG_DEFAULTS.limits.maxJsonDepth, checkTimeoutMs: 10_000 };

/** The in-process pipeline and a minter of override tokens for it. */
export interface OverridePipeline {
  /** One Check of `request` under `policy`. */
  check(policy: CompiledPolicy, request: HttpRequest): Promise<CheckOutcome>;
  /** A POST to `path` on tools.internal with a JSON body and a fresh token of `agentId`. */
  request(path: string, body: Readonly<Record<string, unknown>>, agentId: string, overrideToken?: string): Promise<HttpRequest>;
  /** A valid override token for exactly this call, approved under `rules`; and its jti. */
  overrideFor(policy: CompiledPolicy, request: HttpRequest, agentId: string, rules: readonly string[]): Promise<{ token: string; jti: string }>;
  /** Whether no Check spent the override token with this jti (the probe itself spends it). */
  unspent(jti: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Options of {@link createOverridePipeline}. */
export interface OverridePipelineOptions {
  /** The state store the pipeline runs on, given the memory store (e.g. one that interleaves writes). */
  readonly wrapState?: (state: StateStore) => StateStore;
}

/** Builds the pipeline (one memory store and key pair for all the checks it runs). */
export async function createOverridePipeline(options: OverridePipelineOptions = {}): Promise<OverridePipeline> {
  const agentKey = await generateSigningKey({ kid: 'override-pipeline' });
  const verifier = await verifierFor(agentKey);
  const overrides: OverrideTokens = await createOverrideTokens({ privateJwk: (await generateSigningKey({ kid: 'override-pipeline-o' })).privateJwk, ttlMs: 600_000 });
  const memory: StateStore = createMemoryStore({ maxJtiEntries: 100_000, ledgerTtlMs: 86_400_000, sweepIntervalMs: 0 });
  const state = options.wrapState?.(memory) ?? memory;
  const silent = createLogger('silent');
  const approvals = createApprovalGate({
    state,
    overrides,
    notifier: NO_NOTIFIER,
    events: createLogApprovalEvents(silent),
    aliases: {},
    stateTimeoutMs: undefined,
    publicUrl: () => 'http://dutygate.override-pipeline.invalid',
    log: silent,
  });
  const handlers = new WeakMap<CompiledPolicy, CheckFunction>();
  const handlerFor = (policy: CompiledPolicy): CheckFunction => {
    let handler = handlers.get(policy);
    if (!handler) {
      handler = createCheckPipeline({ authenticator: verifier, policy: () => policy, state, limits: LIMITS, stateTimeoutMs: undefined, clockSkewMs: CONFIG_DEFAULTS.identity.clockSkewMs, aliases: {}, approvals });
      handlers.set(policy, handler);
    }
    return handler;
  };
  let n = 0;

  return {
    check: (policy, request) => handlerFor(policy)(request, {}),

    async request(path, body, agentId, overrideToken) {
      const token = await mintAgentToken(agentKey.privateJwk, { iss: ISSUER, aud: AUDIENCE, agentId });
      const headers = new Map<string, string>([['authorization', `Bearer ${token}`], ['content-type', 'application/json']]);
      if (overrideToken !== undefined) headers.set('x-dutygate-override', overrideToken);
      return { method: 'POST', host: 'tools.internal', path, query: '', headers, body: new TextEncoder().encode(JSON.stringify(body)), bodyTruncated: false, contextExtensions: {} };
    },

    async overrideFor(policy, request, agentId, rules) {
      const tool = mapRequest(policy, request, LIMITS);
      if (!tool) throw new Error(`${request.path} maps to no tool`);
      const now = Date.now();
      const { token } = await overrides.issue({
        approvalId: `apr_pipeline${++n}`,
        kind: 'call',
        requestKey: `pipeline-${n}`,
        status: 'approved',
        agentId,
        chain: [],
        tool: tool.name,
        paramsHash: hashParams(tool.params),
        request: requestBindingOf(request),
        deployment: overrides.deployment,
        policyVersion: policy.policyVersion,
        rules: rules.map((ruleId) => ({ ruleId, approvers: ['sso:x'], quorum: 1 })),
        approvers: ['sso:x'],
        quorum: 1,
        createdAt: now,
        expiresAt: now + 600_000,
        votes: [{ principal: 'sso:x', decision: 'approve', at: now, via: 'api' }],
        decidedAt: now,
      });
      return { token, jti: String(decodeJwt(token).jti) };
    },

    async unspent(jti) {
      return state.claimJti({ purpose: 'override' }, jti, Date.now() + 600_000, Date.now());
    },

    close: () => state.close(),
  };
}

/** The verifier reads its JWKS file once, at creation: the temp folder is gone right after. */
async function verifierFor(key: SigningKey) {
  const dir = await mkdtemp(join(tmpdir(), 'dutygate-override-pipeline-'));
  try {
    const jwksFile = join(dir, 'issuer.jwks.json');
    await writeFile(jwksFile, JSON.stringify(key.publicJwks));
    const issuer = { ...CONFIG_DEFAULTS.issuer, algorithms: ['EdDSA'], issuer: ISSUER, audience: AUDIENCE, jwksFile };
    return await createAgentVerifier({ ...CONFIG_DEFAULTS.identity, issuers: [issuer] }, CONFIG_DEFAULTS.limits);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
