import { CompactSign, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { checkpointPayload, createCheckpointSigner, createCheckpointVerifier, type CheckpointRecord } from '../../../src/audit/checkpoint.js';
import { generateSigningKey } from '../../../src/identity/generate-keys.js';

const KEY = await generateSigningKey({ kid: 'audit-1' });
const HEAD = { seq: 42, hash: 'ab'.repeat(32) };
const CONTEXT = { time: '2026-11-21T10:00:00.000Z', policyVersion: '3+0123456789ab', reason: 'interval' as const };

describe('checkpoint signatures', () => {
  it('signs the head with time, policy version, reason and kid, and verifies with the public JWKS', async () => {
    const checkpoint = await (await createCheckpointSigner(KEY.privateJwk)).sign(HEAD, CONTEXT);
    expect(checkpoint).toMatchObject({ v: 1, type: 'checkpoint', seq: 42, hash: HEAD.hash, time: CONTEXT.time, policy_version: '3+0123456789ab', reason: 'interval', kid: 'audit-1' });
    expect(await createCheckpointVerifier(KEY.publicJwks)(checkpoint)).toBe(true);
    // An auditor handed the private JWK by mistake still only verifies.
    expect(await createCheckpointVerifier(KEY.privateJwk)(checkpoint)).toBe(true);
  });

  it.each([
    ['seq', { seq: 41 }],
    ['hash', { hash: 'cd'.repeat(32) }],
    ['time', { time: '2026-11-21T11:00:00.000Z' }],
    ['policy_version', { policy_version: null }],
    ['reason', { reason: 'shutdown' }],
  ])('refuses a checkpoint whose %s was edited after signing', async (_field, edit) => {
    const checkpoint = await (await createCheckpointSigner(KEY.privateJwk)).sign(HEAD, CONTEXT);
    expect(await createCheckpointVerifier(KEY.publicJwks)({ ...checkpoint, ...edit } as CheckpointRecord)).toBe(false);
  });

  it('refuses another key, and a JWS of the right payload without the checkpoint typ', async () => {
    const other = await generateSigningKey({ kid: 'audit-1' });
    const checkpoint = await (await createCheckpointSigner(other.privateJwk)).sign(HEAD, CONTEXT);
    expect(await createCheckpointVerifier(KEY.publicJwks)(checkpoint)).toBe(false);
    const { jws: _jws, ...fields } = checkpoint;
    const untyped = await new CompactSign(new TextEncoder().encode(checkpointPayload(fields))).setProtectedHeader({ alg: 'EdDSA', kid: 'audit-1' }).sign(await importJWK(KEY.privateJwk, 'EdDSA'));
    expect(await createCheckpointVerifier(KEY.publicJwks)({ ...fields, kid: 'audit-1', jws: untyped })).toBe(false);
  });

  it('accepts only a private Ed25519 JWK for signing', async () => {
    await expect(createCheckpointSigner(KEY.publicJwks.keys[0]!)).rejects.toThrow(/private Ed25519 JWK/);
    const es256 = await generateSigningKey({ alg: 'ES256' });
    await expect(createCheckpointSigner(es256.privateJwk)).rejects.toThrow(/private Ed25519 JWK/);
  });
});
