/**
 * The floor: the least work any Check server that verifies an EdDSA agent token and spends its
 * jti must do, on the same grpc-js and the same protos (decoded with the gate's proto-loader
 * options). One signature verification and one Map insert; no policy, no chain, no body parsing.
 *
 * Verification (`--verify`):
 * - `jose` (the floor the targets are measured against): jose `jwtVerify` with the key imported
 *   once at start-up and the same explicit options the gate passes (algorithms, issuer,
 *   audience, clock tolerance). jose 6 verifies through WebCrypto.
 * - `raw`: node:crypto `verify` (synchronous Ed25519) on the signing input, then `JSON.parse` of
 *   the payload and the iss/aud/exp checks by hand — a lower floor no JWT library reaches.
 *
 * Run as a child process: `node floor-server.js --jwks FILE --issuer ISS --audience AUD
 * [--verify jose|raw]`. Prints one JSON line `{"port":N}` once listening; SIGTERM stops it.
 */
import { Buffer } from 'node:buffer';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { importJWK, jwtVerify } from 'jose';
import type { JWK } from 'jose';
import type { WireCheckRequest } from '../../src/authz/wire-types.js';
import { loadBenchProtos } from '../bench-protos.js';

const { values } = parseArgs({
  options: {
    jwks: { type: 'string' },
    issuer: { type: 'string' },
    audience: { type: 'string' },
    verify: { type: 'string', default: 'jose' },
  },
});
const issuer = values.issuer ?? '';
const audience = values.audience ?? '';
const jwk = (JSON.parse(readFileSync(values.jwks ?? '', 'utf8')) as { keys: JWK[] }).keys[0] as JWK;

const OK = { status: { code: 0 }, ok_response: {} };
const DENIED = { status: { code: 16, message: 'TOKEN_SIGNATURE' }, denied_response: { status: { code: 401 }, body: '{"decision":"deny"}' } };
const REPLAYED = { status: { code: 16, message: 'REPLAY' }, denied_response: { status: { code: 401 }, body: '{"decision":"deny"}' } };

const spent = new Map<string, number>();

/** The bearer token of a decoded request, or undefined. */
function bearer(request: WireCheckRequest): string | undefined {
  const value = request.attributes?.request?.http?.headers?.['authorization'];
  return value?.startsWith('Bearer ') ? value.slice(7) : undefined;
}

/** Spends the jti once: the Map insert every replay-safe server needs. */
function claim(jti: unknown, exp: unknown): boolean {
  if (typeof jti !== 'string' || typeof exp !== 'number' || spent.has(jti)) return false;
  spent.set(jti, exp);
  return true;
}

async function createVerifier(): Promise<(token: string) => Promise<boolean>> {
  if (values.verify === 'raw') {
    const key: KeyObject = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    return (token) => {
      const dot = token.lastIndexOf('.');
      const valid = dot > 0 && verifySignature(null, Buffer.from(token.slice(0, dot)), key, Buffer.from(token.slice(dot + 1), 'base64url'));
      if (!valid) return Promise.resolve(false);
      const payload = JSON.parse(Buffer.from(token.slice(token.indexOf('.') + 1, dot), 'base64url').toString('utf8')) as Record<string, unknown>;
      const fresh = payload['iss'] === issuer && payload['aud'] === audience && typeof payload['exp'] === 'number' && payload['exp'] * 1000 > Date.now();
      return Promise.resolve(fresh && claim(payload['jti'], payload['exp']));
    };
  }
  const key = await importJWK(jwk, 'EdDSA');
  const options = { algorithms: ['EdDSA'], issuer, audience, clockTolerance: 5, requiredClaims: ['iat', 'exp'] };
  return async (token) => {
    const { payload } = await jwtVerify(token, key, options);
    return claim(payload.jti, payload.exp);
  };
}

const verifyToken = await createVerifier();
const server = new Server();
server.addService(loadBenchProtos().authorization, {
  Check(call: ServerUnaryCall<WireCheckRequest, unknown>, callback: sendUnaryData<unknown>) {
    const token = bearer(call.request);
    if (token === undefined) {
      callback(null, DENIED);
      return;
    }
    verifyToken(token).then(
      (fresh) => callback(null, fresh ? OK : REPLAYED),
      () => callback(null, DENIED),
    );
  },
});
const port = await new Promise<number>((resolve, reject) => {
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
});
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.once('SIGTERM', () => {
  server.tryShutdown(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
