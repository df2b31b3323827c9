/**
 * Reads the bearer token from an `authorization` header value (RFC 6750 §2.1). A pure parser.
 */
import { DutygateError } from '../errors.js';

// `Bearer` (any case, RFC 7235 §2.1) then one or more spaces/tabs, then exactly one token.
const BEARER = /^bearer[ \t]+(\S+)$/i;

/**
 * Returns the token from `Bearer <token>`.
 *
 * @throws DutygateError `TOKEN_MISSING` when the header is absent or blank; `TOKEN_MALFORMED`
 *   when the scheme is not `Bearer` or the value is not exactly one token.
 */
export function parseBearer(authorization: string | undefined): string {
  const value = authorization?.trim();
  if (value === undefined || value === '') {
    throw DutygateError.expected('TOKEN_MISSING', 'the request has no authorization: Bearer token');
  }
  const match = BEARER.exec(value);
  if (match === null) {
    throw DutygateError.expected(
      'TOKEN_MALFORMED',
      'the authorization header must be "Bearer" followed by exactly one token',
    );
  }
  return match[1] as string;
}
