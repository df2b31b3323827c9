import { decodeJwt, SignJWT, importJWK, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOverrideTokens, type OverrideCall, type OverrideTokens } from '../../../src/approvals/override-token.js';
import { isDutygateError } from '../../../src/errors.js';
import { generateSigningKey } from '../../../src/identity/generate-keys.js';
import type { ApprovalRecord, RequestBinding } from '../../../src/state/approval-record.js';

const T0 = 1_800_000_000_000;
const REQUEST: RequestBinding = { method: 'POST', host: 'payments.internal', path: '/payments', querySha256: 'c'.repeat(64), bodySha256: 'd'.repeat(64) };
const RECORD: ApprovalRecord = {
  approvalId: 'apr_test1',
  kind: 'call',
  requestKey: 'k',
  status: 'approved',
  agentId: 'finance-a',
  initiator: 'sso:carol',
  chain: ['planner'],
  tool: 'payments.create',
  paramsHash: 'a'.repeat(64),
  request: REQUEST,
  deployment: 'default',
  ruleId: 'large',
  policyVersion: 'v1+abc',
  approvers: ['sso:bob'],
  quorum: 1,
  createdAt: T0 - 60_000,
  expiresAt: T0 + 900_000,
  votes: [{ principal: 'sso:bob', decision: 'approve', at: T0, via: 'api' }],
  decidedAt: T0,
};
const CALL: OverrideCall = { agentId: 'finance-a', initiator: 'sso:carol', chain: ['planner'], tool: 'payments.create', paramsHash: 'a'.repeat(64), request: REQUEST, policyVersion: 'v1+abc', rules: ['large'] };
/** The same call approved under two rules (issue 12 item 3), listed out of order on purpose. */
const TWO_RULES: ApprovalRecord = {
  ...RECORD,
  approvalId: 'apr_two',
  rules: [
    { ruleId: 'large', approvers: ['sso:bob'], quorum: 1 },
    { ruleId: 'external', approvers: ['sso:sec1', 'sso:sec2'], quorum: 2 },
  ],
  approvers: ['sso:bob', 'sso:sec1', 'sso:sec2'],
  quorum: 2,
};

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'OK';
  } catch (error) {
    if (isDutygateError(error)) return error.code;
    throw error;
  }
}

describe('override tokens', () => {
  let key: JWK;
  let tokens: OverrideTokens;
  beforeAll(async () => {
    key = (await generateSigningKey({ kid: 'override-1' })).privateJwk;
    tokens = await createOverrideTokens({ privateJwk: key, ttlMs: 600_000 });
  });

  it('issues a deterministic token for an approved call, expiring ttl after the decision', async () => {
    const a = await tokens.issue(RECORD);
    const b = await tokens.issue(RECORD);
    expect(a.token).toBe(b.token);
    expect(a.expiresAtMs).toBe(T0 + 600_000);
    const claims = decodeJwt(a.token);
    expect(claims).toMatchObject({ approval_id: 'apr_test1', agent_id: 'finance-a', initiator: 'sso:carol', tool: 'payments.create', params_hash: 'a'.repeat(64), policy_version: 'v1+abc', iat: T0 / 1000, exp: T0 / 1000 + 600 });
    expect(claims.jti).not.toContain('apr_test1');
    expect(await tokens.verify(a.token, CALL, T0 + 1_000)).toMatchObject({ approvalId: 'apr_test1', jti: claims.jti });
  });

  it('gives each approval its own jti, and another key other jtis', async () => {
    const one = decodeJwt((await tokens.issue(RECORD)).token).jti;
    const two = decodeJwt((await tokens.issue({ ...RECORD, approvalId: 'apr_test2' })).token).jti;
    expect(one).not.toBe(two);
    const other = await createOverrideTokens({ privateJwk: (await generateSigningKey()).privateJwk, ttlMs: 600_000 });
    expect(decodeJwt((await other.issue(RECORD)).token).jti).not.toBe(one);
  });

  it.each([
    ['pending', { status: 'pending' as const }],
    ['denied', { status: 'denied' as const }],
    ['a break-glass grant', { kind: 'break_glass' as const }],
  ])('refuses to issue for %s', async (_name, change) => {
    expect(await codeOf(tokens.issue({ ...RECORD, ...change }))).toBe('INTERNAL');
  });

  it.each([
    ['another agent', { agentId: 'finance-b' }, 'OVERRIDE_MISMATCH'],
    ['another initiator', { initiator: 'sso:dave' }, 'OVERRIDE_MISMATCH'],
    ['no initiator', { initiator: undefined }, 'OVERRIDE_MISMATCH'],
    ['another tool', { tool: 'payments.release' }, 'OVERRIDE_MISMATCH'],
    ['other params', { paramsHash: 'b'.repeat(64) }, 'OVERRIDE_MISMATCH'],
    ['another policy version', { policyVersion: 'v2+def' }, 'OVERRIDE_STALE_POLICY'],
    // issue 19 item 4: the chain, the request the approver saw and the deployment are bound too.
    ['no chain', { chain: [] }, 'OVERRIDE_MISMATCH'],
    ['a longer chain', { chain: ['root', 'planner'] }, 'OVERRIDE_MISMATCH'],
    ['another method', { request: { ...REQUEST, method: 'PUT' } }, 'OVERRIDE_MISMATCH'],
    ['another host', { request: { ...REQUEST, host: 'evil.internal' } }, 'OVERRIDE_MISMATCH'],
    ['another path', { request: { ...REQUEST, path: '/payments/' } }, 'OVERRIDE_MISMATCH'],
    ['another query', { request: { ...REQUEST, querySha256: 'e'.repeat(64) } }, 'OVERRIDE_MISMATCH'],
    ['another body', { request: { ...REQUEST, bodySha256: 'e'.repeat(64) } }, 'OVERRIDE_MISMATCH'],
  ])('%s → %s', async (_name, change, code) => {
    const { token } = await tokens.issue(RECORD);
    expect(await codeOf(tokens.verify(token, { ...CALL, ...change }, T0 + 1_000))).toBe(code);
  });

  // issue 12 item 3: the sorted set of approval rules is bound, so an approval of {large} cannot
  // lift a call that now also matches {external}, nor the other way round.
  it('binds the sorted set of approval rule ids', async () => {
    const one = await tokens.issue(RECORD);
    expect(decodeJwt(one.token).rules).toEqual(['large']);
    await expect(tokens.verify(one.token, { ...CALL, rules: ['external', 'large'] }, T0 + 1_000)).rejects.toThrow(/approved under rules large; this call needs the approval of external, large/);
    const two = await tokens.issue(TWO_RULES);
    expect(decodeJwt(two.token).rules).toEqual(['external', 'large']);
    expect(await codeOf(tokens.verify(two.token, { ...CALL, rules: ['external', 'large'] }, T0 + 1_000))).toBe('OK');
    expect(await codeOf(tokens.verify(two.token, CALL, T0 + 1_000))).toBe('OVERRIDE_MISMATCH');
    expect(await codeOf(tokens.verify(two.token, { ...CALL, rules: [] }, T0 + 1_000))).toBe('OVERRIDE_MISMATCH');
  });

  it('names the binding that differs', async () => {
    const { token } = await tokens.issue(RECORD);
    await expect(tokens.verify(token, { ...CALL, chain: [] }, T0 + 1_000)).rejects.toThrow(/another delegation chain/);
    await expect(tokens.verify(token, { ...CALL, request: { ...REQUEST, method: 'GET' } }, T0 + 1_000)).rejects.toThrow(/another method/);
    await expect(tokens.verify(token, { ...CALL, request: { ...REQUEST, bodySha256: 'e'.repeat(64) } }, T0 + 1_000)).rejects.toThrow(/another body/);
  });

  it('another deployment sharing the key refuses the token; a record of another deployment gets none', async () => {
    const eu = await createOverrideTokens({ privateJwk: key, ttlMs: 600_000, deployment: 'eu-2' });
    const { token } = await tokens.issue(RECORD);
    await expect(eu.verify(token, CALL, T0 + 1_000)).rejects.toThrow(/another deployment/);
    expect(await codeOf(eu.issue(RECORD))).toBe('INTERNAL');
    expect(await codeOf(eu.verify((await eu.issue({ ...RECORD, deployment: 'eu-2' })).token, CALL, T0 + 1_000))).toBe('OK');
  });

  it('issues nothing for a record that binds no request (raised before the binding existed)', async () => {
    const { request: _gone, ...legacy } = RECORD;
    expect(await codeOf(tokens.issue(legacy))).toBe('INTERNAL');
  });

  it('is expired at exp (no tolerance) → OVERRIDE_EXPIRED', async () => {
    const { token } = await tokens.issue(RECORD);
    expect(await codeOf(tokens.verify(token, CALL, T0 + 599_000))).toBe('OK');
    expect(await codeOf(tokens.verify(token, CALL, T0 + 600_000))).toBe('OVERRIDE_EXPIRED');
  });

  it.each([
    ['garbage', () => Promise.resolve('x.y.z')],
    ['a truncated signature', async () => (await tokens.issue(RECORD)).token.slice(0, -4)],
    ['another key', async () => (await (await createOverrideTokens({ privateJwk: (await generateSigningKey()).privateJwk, ttlMs: 600_000 })).issue(RECORD)).token],
    ['alg none', async () => {
      const [, payload] = (await tokens.issue(RECORD)).token.split('.');
      return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'dutygate-override+jwt' })).toString('base64url')}.${payload}.`;
    }],
    ['a JWT of another type signed by the same key', async () => {
      const signer = await importJWK(key, 'EdDSA');
      const claims = decodeJwt((await tokens.issue(RECORD)).token);
      return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' }).sign(signer);
    }],
    ['another audience', async () => {
      const signer = await importJWK(key, 'EdDSA');
      const claims = decodeJwt((await tokens.issue(RECORD)).token);
      return new SignJWT({ ...claims, aud: 'dutygate' }).setProtectedHeader({ alg: 'EdDSA', typ: 'dutygate-override+jwt' }).sign(signer);
    }],
    ...(['chain', 'request', 'deployment', 'rules'] as const).map((claim): [string, () => Promise<string>] => [`a missing ${claim} claim (a token minted before issue 19 item 4 / issue 12 item 3)`, async () => {
      const signer = await importJWK(key, 'EdDSA');
      const { [claim]: _gone, ...claims } = decodeJwt((await tokens.issue(RECORD)).token);
      return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'dutygate-override+jwt' }).sign(signer);
    }]),
    ['a missing approval_id', async () => {
      const signer = await importJWK(key, 'EdDSA');
      const { approval_id: _gone, ...claims } = decodeJwt((await tokens.issue(RECORD)).token);
      return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'dutygate-override+jwt' }).sign(signer);
    }],
    ['an oversized token', () => Promise.resolve('a'.repeat(5_000))],
  ])('%s → OVERRIDE_INVALID', async (_name, make) => {
    expect(await codeOf(tokens.verify(await make(), CALL, T0 + 1_000))).toBe('OVERRIDE_INVALID');
  });

  it.each([
    ['a public key', async () => (await generateSigningKey()).publicJwks.keys[0]!],
    ['an ES256 key', async () => (await generateSigningKey({ alg: 'ES256' })).privateJwk],
  ])('refuses %s as the signing key', async (_name, make) => {
    await expect(createOverrideTokens({ privateJwk: await make(), ttlMs: 1 })).rejects.toThrow(/Ed25519/);
  });
});
