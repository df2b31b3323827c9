import type { HttpRequest } from '../../../src/request/http-request.js';

/** Builds an HttpRequest; `body` objects are JSON-encoded, strings and bytes are sent as is. */
export function requestOf(init: {
  method?: string;
  host?: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: unknown;
  bodyTruncated?: boolean;
}): HttpRequest {
  const { body } = init;
  const bytes =
    body === undefined ? undefined
    : body instanceof Uint8Array ? body
    : new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    method: init.method ?? 'POST',
    host: init.host ?? 'tools.internal',
    path: init.path,
    query: init.query ?? '',
    headers: new Map(Object.entries(init.headers ?? (typeof body === 'object' && !(body instanceof Uint8Array) ? { 'content-type': 'application/json' } : {}))),
    body: bytes,
    bodyTruncated: init.bodyTruncated ?? false,
    contextExtensions: {},
  };
}

/** The limits of the gate config defaults (64 KiB, depth 32). */
export const LIMITS = { maxBodyBytes: 65_536, maxJsonDepth: 32 };
