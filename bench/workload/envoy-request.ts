/**
 * An Envoy-shaped CheckRequest, the way the ext_authz filter builds it with its defaults
 * (`headers` map with lower-cased names and the pseudo-headers, `with_request_body` sending the
 * body as a string): about fifteen headers, W3C trace context, peers and request time.
 */
import { randomUUID } from 'node:crypto';
import type { CheckRequestFields } from './encode-check-request.js';
import type { CallSpec } from './scenarios.js';

/** Identity headers of one request. */
export interface RequestIdentity {
  readonly token: string;
  /** `x-agent-chain` value, root first; absent for undelegated agents. */
  readonly chain?: string;
}

const SOURCE = { address: '10.42.3.17', port: 43512 };
const DESTINATION = { address: '10.42.3.17', port: 15001 };

/** The CheckRequest Envoy would send for `call` made with `identity`. */
export function buildEnvoyCheckRequest(call: CallSpec, identity: RequestIdentity, sequence: number, nowMs: number): CheckRequestFields {
  const requestId = randomUUID();
  const traceId = requestId.replaceAll('-', '');
  const headers: Record<string, string> = {
    ':authority': call.host,
    ':path': call.path,
    ':method': call.method,
    ':scheme': 'http',
    accept: 'application/json',
    'accept-encoding': 'gzip, deflate',
    'user-agent': 'agent-runtime/2.4.1 python-httpx/0.27.2',
    'x-forwarded-proto': 'http',
    'x-request-id': requestId,
    'x-envoy-expected-rq-timeout-ms': '15000',
    traceparent: `00-${traceId}-${traceId.slice(0, 16)}-01`,
    'x-workflow-tenant': 'acme-prod',
    authorization: `Bearer ${identity.token}`,
  };
  if (identity.chain !== undefined) headers['x-agent-chain'] = identity.chain;
  const body = call.body;
  const size = body === undefined ? 0 : Buffer.byteLength(body);
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(size);
    headers['x-envoy-auth-partial-body'] = 'false';
  }
  return {
    source: SOURCE,
    destination: DESTINATION,
    timeMs: nowMs,
    http: {
      id: String(1_000_000_000 + sequence),
      method: call.method,
      headers,
      // Envoy puts the whole request target into `path` and leaves `query` empty.
      path: call.path,
      host: call.host,
      scheme: 'http',
      size,
      protocol: 'HTTP/1.1',
      ...(body === undefined ? {} : { body }),
    },
  };
}
