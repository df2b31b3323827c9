/**
 * Single-use override tokens (docs/design.md §6): a JWT signed with dutygate's own Ed25519 key, bound to
 * one approved call — its agent and attested chain, the HTTP request the approver saw (digests of
 * method, host, path, query and body), the params hash, the sorted set of approval rule ids, the
 * policy version and the deployment.
 * Verified with jose and explicit `algorithms`, `issuer`, `audience` and `typ`, so neither an agent token nor any other JWT signed elsewhere can pass for one.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { errors, importJWK, jwtVerify, SignJWT } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import { CONFIG_DEFAULTS } from '../config/defaults.js';
import { DutygateError } from '../errors.js';
import { ruleSetOf } from '../state/approval-progress.js';
import type { ApprovalRecord, RequestBinding } from '../state/approval-record.js';
import { REQUEST_PARTS, requestDifference, requestDigests, type RequestDigests } from './request-binding.js';

const ISSUER = 'dutygate';
const AUDIENCE = 'dutygate:override';
/** Explicit JWT type (RFC 8725 §3.11): an override token is never confused with another JWT. */
const TYPE = 'dutygate-override+jwt';
const ALGORITHM = 'EdDSA';
/** `overrides.deployment` when the config names none (config/defaults.ts, README "Override tokens"). */
export const DEFAULT_DEPLOYMENT = CONFIG_DEFAULTS.overrides.deployment;
/** Longest accepted chain claim: `identity.max_chain_depth` is far below it. */
const MAX_CHAIN_CLAIM = 64;
/** Most rule ids a rules claim may carry (a policy that asks more approval rules of one call is not plausible). */
const MAX_RULES_CLAIM = 256;

/** What an override token asserts, read back after verification. */
export interface OverrideClaims {
  readonly approvalId: string;
  readonly agentId: string;
  readonly initiator?: string;
  /** The attested chain the approver saw, agent ids root first. */
  readonly chain: readonly string[];
  readonly tool: string;
  readonly paramsHash: string;
  readonly request: RequestDigests;
  /** The approval rules the approvers met, sorted ids (issue 12 item 3). */
  readonly rules: readonly string[];
  readonly deployment: string;
  readonly policyVersion: string;
  readonly jti: string;
  /** Seconds since the epoch. */
  readonly exp: number;
}

/** The call an override token is presented with. */
export interface OverrideCall {
  readonly agentId: string;
  /** Resolved through `principals.aliases`, like the record's. */
  readonly initiator?: string;
  /** Attested ancestors' agent ids, root first (empty when none). */
  readonly chain: readonly string[];
  readonly tool: string;
  readonly paramsHash: string;
  /** The HTTP request of the retry. */
  readonly request: RequestBinding;
  readonly policyVersion: string;
  /** Sorted, distinct ids of the approval rules the retry matches now. */
  readonly rules: readonly string[];
}

/** Signs and verifies override tokens with one key pair. */
export interface OverrideTokens {
  /** `overrides.deployment`: approvals raised here carry it, and tokens of another deployment are refused. */
  readonly deployment: string;
  /**
   * The override token of an approved call. Deterministic: `iat` is the decision time, `exp`
   * `iat + ttl`, the `jti` derived from the approval id (Ed25519 signatures are deterministic
   * too), so polling the approval again yields the same token and one approval can never mint
   * two spendable tokens.
   */
  issue(record: ApprovalRecord): Promise<{ token: string; expiresAtMs: number }>;
  /**
   * Verifies a presented token against the call it came with.
   *
   * @throws DutygateError OVERRIDE_INVALID, OVERRIDE_EXPIRED, OVERRIDE_MISMATCH or
   *   OVERRIDE_STALE_POLICY — each mismatch its own code. Spending it is the caller's job.
   */
  verify(token: string, call: OverrideCall, nowMs: number): Promise<OverrideClaims>;
}

/** Options of {@link createOverrideTokens}. */
export interface OverrideTokenOptions {
  /** dutygate's private Ed25519 JWK (`overrides.signing_key_file`). */
  readonly privateJwk: JWK;
  readonly ttlMs: number;
  /** Largest accepted token, in bytes (default 4 KiB). */
  readonly maxTokenBytes?: number;
  /** `overrides.deployment` (default {@link DEFAULT_DEPLOYMENT}). */
  readonly deployment?: string;
}

/** Reads `overrides.signing_key_file` and prepares the signer and verifier. */
export async function loadOverrideTokens(signingKeyFile: string, ttlMs: number, deployment: string = DEFAULT_DEPLOYMENT): Promise<OverrideTokens> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(await readFile(signingKeyFile, 'utf8')) as JWK;
  } catch (error) {
    throw new Error(`overrides.signing_key_file ${signingKeyFile}: ${(error as Error).message}`, { cause: error });
  }
  return createOverrideTokens({ privateJwk: jwk, ttlMs, deployment });
}

/**
 * Prepares override tokens from a private Ed25519 JWK.
 *
 * @throws Error when the key is not a private Ed25519 (OKP) JWK.
 */
export async function createOverrideTokens(options: OverrideTokenOptions): Promise<OverrideTokens> {
  const { privateJwk, ttlMs } = options;
  if (privateJwk.kty !== 'OKP' || privateJwk.crv !== 'Ed25519' || typeof privateJwk.d !== 'string') {
    throw new Error('the override signing key must be a private Ed25519 JWK (kty OKP, crv Ed25519, with d)');
  }
  if (privateJwk.alg !== undefined && privateJwk.alg !== ALGORITHM) throw new Error(`the override signing key has alg ${privateJwk.alg}; EdDSA is required`);
  const signingKey = await importJWK({ ...privateJwk, alg: ALGORITHM }, ALGORITHM);
  const { d: _private, ...publicJwk } = privateJwk;
  const verifyKey = await importJWK({ ...publicJwk, alg: ALGORITHM }, ALGORITHM);
  const maxTokenBytes = options.maxTokenBytes ?? 4096;
  const deployment = options.deployment ?? DEFAULT_DEPLOYMENT;
  // A secret only replicas sharing the key know: jtis cannot be predicted (and pre-spent) from
  // the approval id an agent sees. HKDF separates it from the signing use of the key.
  const jtiKey = Buffer.from(hkdfSync('sha256', Buffer.from(privateJwk.d, 'base64url'), 'dutygate', 'override-jti', 32));
  const jtiFor = (approvalId: string): string => createHash('sha256').update(jtiKey).update(approvalId).digest('base64url');

  return {
    deployment,

    async issue(record) {
      if (record.status !== 'approved' || record.kind !== 'call' || record.decidedAt === undefined) {
        throw new DutygateError('INTERNAL', 'an override token is issued for an approved call only');
      }
      if (record.tool === undefined || record.paramsHash === undefined) throw new DutygateError('INTERNAL', 'the approval has no tool or params hash');
      // Records raised before requests were bound (or by another deployment sharing the store)
      // get no token: one that bound less would be the very hole this closes.
      if (record.request === undefined || record.deployment !== deployment) {
        throw new DutygateError('INTERNAL', 'the approval binds no request or belongs to another deployment; ask for a new approval');
      }
      const rules = ruleSetOf(record);
      if (rules.length === 0) throw new DutygateError('INTERNAL', 'the approval names no approval rule; ask for a new approval');
      const iat = Math.floor(record.decidedAt / 1000);
      const exp = iat + Math.ceil(ttlMs / 1000);
      const claims: JWTPayload = {
        iss: ISSUER,
        aud: AUDIENCE,
        sub: record.agentId,
        iat,
        exp,
        jti: jtiFor(record.approvalId),
        approval_id: record.approvalId,
        agent_id: record.agentId,
        tool: record.tool,
        chain: [...record.chain],
        params_hash: record.paramsHash,
        request: requestDigests(record.request),
        rules,
        deployment,
        policy_version: record.policyVersion,
        ...(record.initiator === undefined ? {} : { initiator: record.initiator }),
      };
      const header = { alg: ALGORITHM, typ: TYPE, ...(privateJwk.kid === undefined ? {} : { kid: privateJwk.kid }) };
      const token = await new SignJWT(claims).setProtectedHeader(header).sign(signingKey);
      return { token, expiresAtMs: exp * 1000 };
    },

    async verify(token, call, nowMs) {
      if (token.length > maxTokenBytes) throw new DutygateError('OVERRIDE_INVALID', `the override token is longer than ${maxTokenBytes} bytes`);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, verifyKey, {
          algorithms: [ALGORITHM],
          issuer: ISSUER,
          audience: AUDIENCE,
          typ: TYPE,
          currentDate: new Date(nowMs),
          clockTolerance: 0,
          requiredClaims: ['exp', 'iat', 'jti'],
        }));
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new DutygateError('OVERRIDE_EXPIRED', 'the override token has expired; ask for a new approval');
        throw new DutygateError('OVERRIDE_INVALID', 'the override token is malformed or not signed by this gate', { cause: error });
      }
      const claims = readClaims(payload);
      // Most specific first: another deployment's or agent's token says nothing about this call at all.
      if (claims.deployment !== deployment) throw new DutygateError('OVERRIDE_MISMATCH', 'the override token was issued by another deployment');
      if (claims.agentId !== call.agentId) throw new DutygateError('OVERRIDE_MISMATCH', 'the override token was issued to another agent');
      if (!sameList(claims.chain, call.chain)) throw new DutygateError('OVERRIDE_MISMATCH', 'the override token was issued for another delegation chain');
      if (claims.initiator !== call.initiator) throw new DutygateError('OVERRIDE_MISMATCH', 'the override token was issued for a workflow of another initiator');
      if (claims.tool !== call.tool) throw new DutygateError('OVERRIDE_MISMATCH', `the override token was issued for tool '${claims.tool}', not '${call.tool}'`);
      if (claims.paramsHash !== call.paramsHash) throw new DutygateError('OVERRIDE_MISMATCH', 'the override token was issued for other params');
      const differs = requestDifference(claims.request, requestDigests(call.request));
      if (differs !== undefined) throw new DutygateError('OVERRIDE_MISMATCH', `the override token was issued for a request with another ${differs}`);
      if (claims.policyVersion !== call.policyVersion) {
        throw new DutygateError('OVERRIDE_STALE_POLICY', `the override token was issued under policy ${claims.policyVersion}; the policy in force is ${call.policyVersion}`);
      }
      // An approval for {A} says nothing about rule B the retry now matches too (issue 12 item 3).
      if (!sameList(claims.rules, call.rules)) {
        throw new DutygateError('OVERRIDE_MISMATCH', `the override token was approved under rules ${claims.rules.join(', ')}; this call needs the approval of ${call.rules.join(', ') || 'no rule'}`);
      }
      return claims;
    },
  };
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((id, index) => id === b[index]);

function readClaims(payload: JWTPayload): OverrideClaims {
  const text = (name: string): string => {
    const value = payload[name];
    if (typeof value !== 'string' || value === '') throw new DutygateError('OVERRIDE_INVALID', `the override token has no ${name} claim`);
    return value;
  };
  const initiator = payload['initiator'];
  if (initiator !== undefined && typeof initiator !== 'string') throw new DutygateError('OVERRIDE_INVALID', 'the override token initiator claim is not a string');
  // Tokens minted before the chain, request, deployment and rule set were bound lack these claims: invalid.
  const chain = payload['chain'];
  if (!Array.isArray(chain) || chain.length > MAX_CHAIN_CLAIM || !chain.every((id) => typeof id === 'string')) {
    throw new DutygateError('OVERRIDE_INVALID', 'the override token has no valid chain claim');
  }
  const rules = payload['rules'];
  if (!Array.isArray(rules) || rules.length === 0 || rules.length > MAX_RULES_CLAIM || !rules.every((id) => typeof id === 'string')) {
    throw new DutygateError('OVERRIDE_INVALID', 'the override token has no valid rules claim');
  }
  return {
    approvalId: text('approval_id'),
    agentId: text('agent_id'),
    ...(initiator === undefined ? {} : { initiator }),
    chain,
    tool: text('tool'),
    paramsHash: text('params_hash'),
    request: readRequest(payload['request']),
    rules,
    deployment: text('deployment'),
    policyVersion: text('policy_version'),
    jti: text('jti'),
    exp: payload.exp as number,
  };
}

function readRequest(value: unknown): RequestDigests {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DutygateError('OVERRIDE_INVALID', 'the override token has no request claim');
  const parts = value as Record<string, unknown>;
  const digests: Record<string, string> = {};
  for (const part of REQUEST_PARTS) {
    const digest = parts[part];
    if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) throw new DutygateError('OVERRIDE_INVALID', `the override token has no ${part} digest`);
    digests[part] = digest;
  }
  return digests as RequestDigests;
}
