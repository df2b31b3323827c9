/**
 * Until when a spent agent-token id must stay claimed (issue 12 item 7): at least as long as any
 * instant at which the token still verifies. jose (and the EdDSA fast path, which mirrors it)
 * accept a token while `floor(now in s) - tolerance < exp`, comparing whole seconds, so a token
 * with a fractional `exp` (RFC 7519 NumericDates may be) or a sub-second tolerance verifies
 * until `ceil(exp) + ceil(tolerance)` seconds. The extra second covers the comparison's
 * boundary, so the claim never lapses a moment before the token stops verifying.
 */
export function replayExpiryMs(exp: number, clockSkewMs: number): number {
  return (Math.ceil(exp) + Math.ceil(clockSkewMs / 1000) + 1) * 1000;
}
