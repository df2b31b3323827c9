/**
 * The one place where jose's error codes become dutygate reason codes. Mapping is by the stable
 * `code` jose documents (never by message text), and anything unrecognised fails closed as
 * `INTERNAL` with the original error kept as `cause` for the logs.
 */
import { errors } from 'jose';
import { DutygateError, isDutygateError } from '../errors.js';
import type { DenyCode } from '../errors.js';

/** What the reason sentences may mention: the (configured, trusted) issuer and the skew. */
export interface JoseErrorContext {
  readonly iss: string;
  readonly clockSkewSeconds: number;
}

/** Converts anything thrown by `jwtVerify` or a key source into a {@link DutygateError}. */
export function fromJoseError(error: unknown, context: JoseErrorContext): DutygateError {
  if (isDutygateError(error)) return error;
  if (!(error instanceof errors.JOSEError)) {
    return new DutygateError('INTERNAL', 'token verification failed unexpectedly', { cause: error });
  }
  const iss = JSON.stringify(context.iss);
  const deny = (code: DenyCode, reason: string): DutygateError =>
    DutygateError.expected(code, reason, { cause: error });
  switch (error.code) {
    case errors.JWSSignatureVerificationFailed.code:
      return deny('TOKEN_SIGNATURE', `the token signature does not verify with the key of issuer ${iss}`);
    case errors.JWTExpired.code:
      return deny('TOKEN_EXPIRED', `the token expired (exp is past, beyond the ${context.clockSkewSeconds}s clock skew)`);
    case errors.JWTClaimValidationFailed.code:
      return fromClaimFailure(error as errors.JWTClaimValidationFailed, context, deny);
    case errors.JWKSNoMatchingKey.code:
      return deny('TOKEN_KID', `no key of issuer ${iss} matches the token kid and alg`);
    case errors.JWKSMultipleMatchingKeys.code:
      return deny('TOKEN_KID', `several keys of issuer ${iss} match; the token must name a kid`);
    case errors.JOSEAlgNotAllowed.code:
    case errors.JOSENotSupported.code:
      return deny('TOKEN_ALG', `the token algorithm is not usable with the keys of issuer ${iss}`);
    case errors.JWSInvalid.code:
    case errors.JWTInvalid.code:
      return deny('TOKEN_MALFORMED', 'the token is not a well-formed JWS with a JSON object payload');
    case errors.JWKSInvalid.code:
    case errors.JWKInvalid.code:
    case errors.JWKSTimeout.code:
      return deny('KEYS_UNAVAILABLE', `the key set of issuer ${iss} is unreachable or holds an unusable key`);
    default:
      return deny('INTERNAL', 'token verification failed unexpectedly');
  }
}

function fromClaimFailure(
  error: errors.JWTClaimValidationFailed,
  context: JoseErrorContext,
  deny: (code: DenyCode, reason: string) => DutygateError,
): DutygateError {
  const claim = error.claim;
  // jose reports a present-but-wrong-type claim as reason "invalid" and an absent required one
  // as "missing"; only "check_failed" means the value itself was compared and rejected.
  if (error.reason === 'missing' || error.reason === 'invalid') {
    if (claim === 'aud') return deny('TOKEN_AUDIENCE', 'the token has no aud claim');
    if (claim === 'iss') return deny('TOKEN_ISSUER', 'the token has no iss claim');
    return deny('TOKEN_CLAIMS', `the token claim ${JSON.stringify(claim)} is ${error.reason === 'missing' ? 'missing' : 'not a number'}`);
  }
  switch (claim) {
    case 'aud':
      return deny('TOKEN_AUDIENCE', `the token aud does not name the audience of issuer ${JSON.stringify(context.iss)}`);
    case 'iss':
      return deny('TOKEN_ISSUER', `the token iss is not ${JSON.stringify(context.iss)}`);
    case 'nbf':
    case 'iat':
      return deny(
        'TOKEN_NOT_YET_VALID',
        `the token ${claim} lies in the future, beyond the ${context.clockSkewSeconds}s clock skew`,
      );
    default:
      return deny('TOKEN_CLAIMS', `the token claim ${JSON.stringify(claim)} failed validation`);
  }
}
