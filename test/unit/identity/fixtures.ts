/**
 * Shared fixtures for the identity tests: issuers backed by temp JWKS files, a fixed clock, and
 * helpers to craft tokens the minting API deliberately cannot produce (alg none, HMAC, tampered).
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, importJWK } from 'jose';
import { expect } from 'vitest';
import type { JWK } from 'jose';
import { DutygateError } from '../../../src/errors.js';
import { CONFIG_DEFAULTS } from '../../../src/config/defaults.js';
import type { IdentityConfig, IssuerConfig, LimitsConfig } from '../../../src/config/types.js';
import { generateSigningKey } from '../../../src/identity/generate-keys.js';
import type { SigningKey } from '../../../src/identity/generate-keys.js';

/** The injected "now" of every test. */
export const NOW = new Date('2030-01-01T00:00:00Z');
/** NOW in epoch seconds. */
export const NOW_S = NOW.getTime() / 1000;
export const ISS = 'https://tokens.agents.example';
export const AUD = 'dutygate';

/** `NOW` shifted by `seconds`. */
export function at(seconds: number): Date {
  return new Date(NOW.getTime() + seconds * 1000);
}

/** A key pair plus an issuer config whose jwks_file holds its public half. */
export interface TestIssuer {
  readonly key: SigningKey;
  readonly config: IssuerConfig;
}

/** Writes `text` to a fresh temp file and returns its path. */
export async function writeTempFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dutygate-identity-'));
  const path = join(dir, 'jwks.json');
  await writeFile(path, text);
  return path;
}

/** Writes `jwks` as JSON to a fresh temp file and returns its path. */
export function writeJwks(jwks: unknown): Promise<string> {
  return writeTempFile(JSON.stringify(jwks));
}

/** An issuer trusting one freshly generated key (EdDSA unless told). */
export async function makeIssuer(
  overrides: Partial<IssuerConfig> = {},
  alg = 'EdDSA',
): Promise<TestIssuer> {
  const key = await generateSigningKey({ alg });
  const config: IssuerConfig = {
    issuer: ISS,
    audience: AUD,
    jwksFile: await writeJwks(key.publicJwks),
    algorithms: ['EdDSA'],
    jwksCacheMs: 600_000,
    jwksCooldownMs: 30_000,
    jwksTimeoutMs: 2_000,
    jwksMaxStaleMs: 3_600_000,
    ...overrides,
  };
  return { key, config };
}

/** Identity config with the defaults of docs/design.md around `issuers`. */
export function identityConfig(issuers: IssuerConfig[], overrides: Partial<IdentityConfig> = {}): IdentityConfig {
  return { issuers, maxTokenLifetimeMs: 300_000, clockSkewMs: 5_000, maxChainDepth: 8, ...overrides };
}

/** The gate's default limits (src/config/defaults.ts: one table, not a copy here). */
export const LIMITS: LimitsConfig = { ...CONFIG_DEFAULTS.limits };

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A standard valid payload at NOW, to be overridden per test. */
export function payload(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: ISS, aud: AUD, agent_id: 'agent-a', jti: 'jti-a', iat: NOW_S, exp: NOW_S + 60, ...extra };
}

/** An unsigned `alg: none` token, crafted by hand. */
export function unsignedToken(body: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(body)}.`;
}

/** An HS256 token whose HMAC secret is the issuer's public key bytes (the key-confusion attack). */
export function hmacWithPublicKey(publicJwk: JWK, body: Record<string, unknown>): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: publicJwk.kid })}.${b64(body)}`;
  const secret = Buffer.from(publicJwk.x ?? '', 'base64url');
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Signs an arbitrary payload and header with `privateJwk` (jose does the crypto). */
export async function signRaw(
  privateJwk: JWK,
  body: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const alg = privateJwk.alg ?? 'EdDSA';
  return new CompactSign(new TextEncoder().encode(JSON.stringify(body)))
    .setProtectedHeader({ alg, kid: privateJwk.kid, ...header })
    .sign(await importJWK(privateJwk, alg));
}

/** Replaces the payload of `token`, keeping header and signature (a tampered token). */
export function tamperPayload(token: string, body: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64(body)}.${signature}`;
}

/** Resolves to the DutygateError `promise` rejected with (fails the test if it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<DutygateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DutygateError);
  return error as DutygateError;
}
