import { CODES, isDutygateError } from '../../errors.js';
import type { HttpResult } from '../../lib/http-routes.js';

/**
 * Error codes of the approvals HTTP API (docs/design.md §8) and their statuses. Token failures reuse
 * the Check's `TOKEN_*` codes (401) and state failures `STATE_UNAVAILABLE` (503).
 */
export const API_ERRORS = {
  BAD_REQUEST: { status: 400, meaning: 'the request is malformed (see `message`)' },
  BODY_TOO_LARGE: { status: 413, meaning: 'the request body exceeds the bound' },
  APPROVAL_NOT_FOUND: { status: 404, meaning: 'no approval with this id (or it is past its retention)' },
  APPROVAL_FORBIDDEN: { status: 403, meaning: 'the approval belongs to another agent (or, to cancel: the caller is neither its agent nor its initiator)' },
  APPROVER_NOT_LISTED: { status: 403, meaning: 'the principal is not a listed approver of this approval' },
  APPROVER_IS_INITIATOR: { status: 403, meaning: "the principal is the workflow's initiator and may not approve it" },
  APPROVAL_REASON_REQUIRED: { status: 400, meaning: "the rule's `approval.require_reason` asks a reason for this vote and `reason` is missing or blank" },
  APPROVAL_CLOSED: { status: 409, meaning: 'the approval was already approved, denied, cancelled or has expired' },
  BREAK_GLASS_DISABLED: { status: 409, meaning: 'the policy in force has no `break_glass` section' },
  BREAK_GLASS_TTL: { status: 400, meaning: "the requested grant is longer than the policy's `break_glass.max_ttl`" },
} as const;

/** An approvals API error code. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** A JSON error answer `{code, message}` with the code's status. */
export function apiError(code: ApiErrorCode, message: string, extra: Record<string, unknown> = {}): HttpResult {
  return { status: API_ERRORS[code].status, body: { code, message, ...extra } };
}

/** Maps a thrown error to an answer: `DutygateError`s keep their code and HTTP status. */
export function errorResult(error: unknown): HttpResult | undefined {
  if (!isDutygateError(error)) return undefined;
  const status = CODES[error.code].http;
  const headers = status === 401 ? { 'www-authenticate': 'Bearer realm="dutygate"' } : undefined;
  return { status, body: { code: error.code, message: error.reason }, ...(headers ? { headers } : {}) };
}
