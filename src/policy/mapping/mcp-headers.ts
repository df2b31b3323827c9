import { Buffer } from 'node:buffer';
import { DutygateError } from '../../errors.js';

/**
 * The MCP revision that mirrors the JSON-RPC method and target into HTTP headers
 * (SEP-2243, MCP 2026-07-28, Streamable HTTP transport). From it on, clients MUST send
 * `Mcp-Method` on every POST and `Mcp-Name` for the methods in {@link NAMED_METHODS}.
 */
export const MIRRORED_HEADERS_SINCE = '2026-07-28';

/** Methods whose target (`params.name`, or `params.uri` for resources/read) is mirrored into `Mcp-Name`. */
export const NAMED_METHODS: ReadonlyMap<string, 'name' | 'uri'> = new Map([
  ['tools/call', 'name'],
  ['resources/read', 'uri'],
  ['prompts/get', 'name'],
]);

/** What the request's MCP headers say, decoded. */
export interface McpHeaders {
  /** True when `MCP-Protocol-Version` names 2026-07-28 or later: the headers are required. */
  readonly required: boolean;
  readonly method?: string;
  readonly name?: string;
}

// Revisions are dates (YYYY-MM-DD), so their order is the order of the strings.
const REVISION = /^\d{4}-\d{2}-\d{2}$/;
// SEP-2243 value encoding: a value that is not plain printable ASCII travels as =?base64?…?=.
const BASE64_VALUE = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;
const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * Reads `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` (lower-cased names, RFC 9110 §5.1).
 * A header that cannot be decoded is MCP_HEADER_MISMATCH, whatever the version: a value the
 * gate cannot read must not be one the upstream routes by.
 */
export function readMcpHeaders(headers: ReadonlyMap<string, string>): McpHeaders {
  const version = headers.get('mcp-protocol-version')?.trim();
  const required = version !== undefined && REVISION.test(version) && version >= MIRRORED_HEADERS_SINCE;
  const method = decodeValue(headers.get('mcp-method'), 'Mcp-Method');
  const name = decodeValue(headers.get('mcp-name'), 'Mcp-Name');
  return { required, ...(method === undefined ? {} : { method }), ...(name === undefined ? {} : { name }) };
}

/**
 * Checks the headers the revision requires: `Mcp-Method` always, `Mcp-Name` for the named methods.
 *
 * @throws DutygateError MCP_HEADER_MISMATCH naming the missing header.
 */
export function requireMirroredHeaders(mirrored: McpHeaders, version: string): { method: string; name?: string } {
  if (mirrored.method === undefined || mirrored.method === '') {
    throw mismatch(`MCP ${version} requires the Mcp-Method header on every POST`);
  }
  if (NAMED_METHODS.has(mirrored.method) && (mirrored.name === undefined || mirrored.name === '')) {
    throw mismatch(`MCP ${version} requires the Mcp-Name header for ${mirrored.method}`);
  }
  return mirrored.name === undefined ? { method: mirrored.method } : { method: mirrored.method, name: mirrored.name };
}

/**
 * Checks headers that were sent against the message body (SEP-2243: whoever processes the body
 * MUST reject a disagreement, since one hop may route by the header while the server acts on the
 * body). Checked for every revision: an absent header is fine for older ones, a wrong one never.
 *
 * @param method The body's `method`, undefined for a JSON-RPC response.
 * @param params The body's `params` object.
 */
export function checkAgainstBody(mirrored: McpHeaders, method: string | undefined, params: Readonly<Record<string, unknown>>): void {
  if (mirrored.method !== undefined && mirrored.method !== method) {
    throw mismatch(`Mcp-Method ${JSON.stringify(mirrored.method)} does not match the body's method ${JSON.stringify(method ?? null)}`);
  }
  if (mirrored.name === undefined) return;
  const field = method === undefined ? undefined : NAMED_METHODS.get(method);
  const target = field === undefined ? undefined : params[field];
  if (mirrored.name !== target) {
    throw mismatch(`Mcp-Name ${JSON.stringify(mirrored.name)} does not match the body's ${field === undefined ? 'message (no named target)' : `params.${field}`}`);
  }
}

function decodeValue(raw: string | undefined, header: string): string | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim();
  const encoded = BASE64_VALUE.exec(value);
  if (!encoded) {
    if (!PRINTABLE.test(value)) throw mismatch(`the ${header} header holds characters outside printable ASCII (send them =?base64?…?= encoded)`);
    return value;
  }
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded[1] ?? '', 'base64'));
  } catch {
    throw mismatch(`the ${header} header's base64 value is not UTF-8`);
  }
  return decoded;
}

function mismatch(reason: string): DutygateError {
  return DutygateError.expected('MCP_HEADER_MISMATCH', reason);
}
