/**
 * What of an HTTP request an approval (and its override token) is bound to (issue 19 item 4):
 * method, host and path as sent, and digests of the raw query and body. The params hash alone
 * let a retry change what the tool entry does not map (an unmatched method or host, a non-JSON
 * or array body, a param moved between query and body).
 */
import { hash } from 'node:crypto';
import type { HttpRequest } from '../request/http-request.js';
import type { RequestBinding } from '../state/approval-record.js';

// One-shot crypto.hash (Node >= 20.12): no Hash object per digest, two digests per approval Check.
const sha256Hex = (data: string | Uint8Array): string => hash('sha256', data, 'hex');

/** The binding of `request`: a missing body hashes like an empty one (nothing was sent either way). */
export function requestBindingOf(request: Pick<HttpRequest, 'method' | 'host' | 'path' | 'query' | 'body'>): RequestBinding {
  return {
    method: request.method,
    host: request.host,
    path: request.path,
    querySha256: sha256Hex(request.query),
    bodySha256: sha256Hex(request.body ?? new Uint8Array(0)),
  };
}

/** The parts of a {@link RequestBinding}, in the order a refusal names the first that differs. */
export const REQUEST_PARTS = ['method', 'host', 'path', 'query', 'body'] as const;

/** One sha256 (hex) per request part: what an override token carries (bounded size, whatever the path). */
export type RequestDigests = Readonly<Record<(typeof REQUEST_PARTS)[number], string>>;

/** The digests of `binding` that an override token carries. */
export function requestDigests(binding: RequestBinding): RequestDigests {
  return { method: sha256Hex(binding.method), host: sha256Hex(binding.host), path: sha256Hex(binding.path), query: binding.querySha256, body: binding.bodySha256 };
}

/**
 * The first request part in which `presented` differs from `approved` (`method`, `host`, `path`,
 * `query`, `body`), or undefined when they are the same request.
 */
export function requestDifference(approved: RequestDigests, presented: RequestDigests): string | undefined {
  return REQUEST_PARTS.find((part) => approved[part] !== presented[part]);
}
