/**
 * Signed checkpoints of the audit chain (issue 17): the chain head (seq, hash) with the time
 * and the policy in force, signed with the gate's audit key. A hash chain proves the order and
 * content of what a log holds, but a log cut after its last record is still a valid chain; a
 * checkpoint the gate signed says how far the chain had reached, so a log that ends before it
 * is provably truncated.
 *
 * The signature is a compact JWS (RFC 7515) over the canonical JSON of the checkpoint's fields
 * (everything but `jws`), with an explicit `typ` (RFC 8725 §3.11) so that neither an agent
 * token nor an override token can pass for a checkpoint.
 */
import { readFile } from 'node:fs/promises';
import { CompactSign, compactVerify, createLocalJWKSet, importJWK } from 'jose';
import type { JWK } from 'jose';
import { canonicalJson } from '../policy/policy-hash.js';
import type { AuditHead } from '../state/approval-record.js';
import { DECISION_RECORD_VERSION } from './decision-record.js';

/** The JWS `typ` of a checkpoint signature. */
export const CHECKPOINT_TYPE = 'dutygate-checkpoint+jws';
const ALGORITHM = 'EdDSA';

/** Why a checkpoint was taken. */
export type CheckpointReason = 'interval' | 'shutdown' | 'request';

/** One `type: "checkpoint"` line of the decision log (not itself a link of the chain). */
export interface CheckpointRecord {
  readonly v: typeof DECISION_RECORD_VERSION;
  readonly type: 'checkpoint';
  /** When the head was read (RFC 3339 UTC, milliseconds). */
  readonly time: string;
  /** The newest chain link at `time`: every record up to it exists. */
  readonly seq: number;
  readonly hash: string;
  /** The policy in force at `time`; null when none was loaded. */
  readonly policy_version: string | null;
  readonly reason: CheckpointReason;
  /** The signing key's `kid` (null when the key has none). */
  readonly kid: string | null;
  /** Compact JWS over the canonical JSON of the fields above (see {@link checkpointPayload}). */
  readonly jws: string;
}

/** The signed part of a checkpoint: its fields without `jws`. */
export type CheckpointFields = Omit<CheckpointRecord, 'jws'>;

/** The exact bytes a checkpoint's signature covers. */
export function checkpointPayload(fields: CheckpointFields): string {
  const { v, type, time, seq, hash, policy_version, reason, kid } = fields;
  return canonicalJson({ v, type, time, seq, hash, policy_version, reason, kid });
}

/** Signs checkpoints with one private key. */
export interface CheckpointSigner {
  readonly kid: string | null;
  sign(head: AuditHead, context: { readonly time: string; readonly policyVersion: string | null; readonly reason: CheckpointReason }): Promise<CheckpointRecord>;
}

/**
 * Prepares a signer from a private Ed25519 JWK (`audit.checkpoints.signing_key_file`, made with
 * `dutygate keys generate --name audit`).
 *
 * @throws Error when the key is not a private Ed25519 JWK.
 */
export async function createCheckpointSigner(privateJwk: JWK): Promise<CheckpointSigner> {
  if (privateJwk.kty !== 'OKP' || privateJwk.crv !== 'Ed25519' || typeof privateJwk.d !== 'string') {
    throw new Error('the audit signing key must be a private Ed25519 JWK (kty OKP, crv Ed25519, with d)');
  }
  if (privateJwk.alg !== undefined && privateJwk.alg !== ALGORITHM) throw new Error(`the audit signing key has alg ${privateJwk.alg}; EdDSA is required`);
  const key = await importJWK({ ...privateJwk, alg: ALGORITHM }, ALGORITHM);
  const kid = typeof privateJwk.kid === 'string' ? privateJwk.kid : null;
  const header = { alg: ALGORITHM, typ: CHECKPOINT_TYPE, ...(kid === null ? {} : { kid }) };
  return {
    kid,
    async sign(head, context) {
      const fields: CheckpointFields = {
        v: DECISION_RECORD_VERSION,
        type: 'checkpoint',
        time: context.time,
        seq: head.seq,
        hash: head.hash,
        policy_version: context.policyVersion,
        reason: context.reason,
        kid,
      };
      const jws = await new CompactSign(new TextEncoder().encode(checkpointPayload(fields))).setProtectedHeader(header).sign(key);
      return { ...fields, jws };
    },
  };
}

/** Reads `audit.checkpoints.signing_key_file` and prepares the signer. */
export async function loadCheckpointSigner(file: string): Promise<CheckpointSigner> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (error) {
    throw new Error(`audit.checkpoints.signing_key_file ${file}: ${(error as Error).message}`, { cause: error });
  }
  return createCheckpointSigner(jwk);
}

/** Checks checkpoint signatures against the gate's public audit key(s). */
export type CheckpointVerifier = (checkpoint: CheckpointRecord) => Promise<boolean>;

/**
 * A verifier from the public key: a JWKS (`audit.jwks.json` of `dutygate keys generate`) or a
 * single public JWK. True only when the JWS verifies with EdDSA and `typ`, and its payload is
 * exactly the canonical form of the line's visible fields (so an edited `seq` with the old
 * signature fails too).
 */
export function createCheckpointVerifier(keys: { readonly keys: readonly JWK[] } | JWK): CheckpointVerifier {
  const jwks = 'keys' in keys && Array.isArray(keys.keys) ? { keys: keys.keys.map(publicOnly) } : { keys: [publicOnly(keys as JWK)] };
  const keySet = createLocalJWKSet(jwks);
  return async (checkpoint) => {
    if (typeof checkpoint.jws !== 'string' || checkpoint.jws.length > 4096) return false;
    try {
      const { payload, protectedHeader } = await compactVerify(checkpoint.jws, keySet, { algorithms: [ALGORITHM] });
      if (protectedHeader.typ !== CHECKPOINT_TYPE) return false;
      return new TextDecoder().decode(payload) === checkpointPayload(checkpoint);
    } catch {
      return false;
    }
  };
}

/** Loads a public key file for {@link createCheckpointVerifier}. */
export async function loadCheckpointVerifier(file: string): Promise<CheckpointVerifier> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { keys: JWK[] } | JWK;
  return createCheckpointVerifier(parsed);
}

/** An auditor passing the private key file by mistake must not matter: only the public half is used. */
function publicOnly(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk;
  return rest;
}

/** True when `value` has the shape of a {@link CheckpointRecord} (its signature not checked). */
export function isCheckpoint(value: unknown): value is CheckpointRecord {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    c.v === DECISION_RECORD_VERSION &&
    c.type === 'checkpoint' &&
    typeof c.time === 'string' &&
    Number.isSafeInteger(c.seq) &&
    (c.seq as number) >= 1 &&
    typeof c.hash === 'string' &&
    /^[0-9a-f]{64}$/.test(c.hash) &&
    (c.policy_version === null || typeof c.policy_version === 'string') &&
    (c.reason === 'interval' || c.reason === 'shutdown' || c.reason === 'request') &&
    (c.kid === null || typeof c.kid === 'string') &&
    typeof c.jws === 'string'
  );
}
