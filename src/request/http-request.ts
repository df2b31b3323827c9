/**
 * The protocol-neutral view of the HTTP request an agent sent, as dutygate's core sees it.
 * `src/authz/` builds it from Envoy's CheckRequest; nothing past that point knows Envoy.
 */
export interface HttpRequest {
  /** Upper-case HTTP method (`POST`). */
  readonly method: string;
  /** `:authority` / `host`, lower-case, with any `:port` removed. */
  readonly host: string;
  /** Path without the query string, as sent (not percent-decoded). Always starts with `/`. */
  readonly path: string;
  /** Raw query string without the leading `?` (empty when none). */
  readonly query: string;
  /** Header names lower-case; a repeated header's values joined with `,` (RFC 9110 §5.3). */
  readonly headers: ReadonlyMap<string, string>;
  /** The request body bytes Envoy sent (`body` or `raw_body`), or undefined when none. */
  readonly body: Uint8Array | undefined;
  /** True when Envoy cut the body at `max_request_bytes` (`x-envoy-auth-partial-body: true`). */
  readonly bodyTruncated: boolean;
  /** Envoy route `context_extensions`, verbatim. */
  readonly contextExtensions: Readonly<Record<string, string>>;
}
