import { describe, expect, it } from 'vitest';
import { normalizeHost, parseCheckRequest } from '../../../src/authz/parse-check-request.js';
import type { WireCheckRequest, WireHttpRequest } from '../../../src/authz/wire-types.js';
import type { HttpRequest } from '../../../src/request/http-request.js';

const limits = { maxHeaderBytes: 1024, maxBodyBytes: 64 };

function wire(http: WireHttpRequest, contextExtensions?: Record<string, string>): WireCheckRequest {
  return { attributes: { request: { http }, context_extensions: contextExtensions } };
}

function ok(message: WireCheckRequest, bounds = limits): HttpRequest {
  const result = parseCheckRequest(message, bounds);
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.reason}`);
  return result.request;
}

function errorCode(message: WireCheckRequest, bounds = limits): string {
  const result = parseCheckRequest(message, bounds);
  if (result.ok) throw new Error('expected an error');
  return result.error.code;
}

const raw = (key: string, value: string) => ({ key, raw_value: Buffer.from(value, 'utf8') });

describe('parseCheckRequest: method, host, path, query', () => {
  it.each([
    // [method, host, path, expected method, host, path, query]
    ['post', 'payments.internal', '/payments', 'POST', 'payments.internal', '/payments', ''],
    ['GET', 'Payments.Internal:8443', '/p/1/approve?x=1&y=2', 'GET', 'payments.internal', '/p/1/approve', 'x=1&y=2'],
    ['GET', '[::1]:8080', '/a', 'GET', '[::1]', '/a', ''],
    ['GET', '[2001:DB8::1]', '/a', 'GET', '[2001:db8::1]', '/a', ''],
    ['GET', 'tools.internal:', '/a', 'GET', 'tools.internal', '/a', ''],
    ['GET', '10.0.0.1:80', '/a?', 'GET', '10.0.0.1', '/a', ''],
    ['GET', 'h', '/a?b=1?c#frag', 'GET', 'h', '/a', 'b=1?c'],
    ['GET', 'h', '/a#frag?not=query', 'GET', 'h', '/a', ''],
    ['GET', 'h', '/%2e%2e/x?q=%20', 'GET', 'h', '/%2e%2e/x', 'q=%20'],
  ])('%s %s %s', (method, host, path, eMethod, eHost, ePath, eQuery) => {
    const request = ok(wire({ method, host, path }));
    expect([request.method, request.host, request.path, request.query]).toEqual([eMethod, eHost, ePath, eQuery]);
  });

  it('falls back to :method, :authority, :path and then host when the http fields are empty', () => {
    const request = ok(wire({ headers: { ':method': 'delete', ':authority': 'A.example:1', ':path': '/x?y' } }));
    expect([request.method, request.host, request.path, request.query]).toEqual(['DELETE', 'a.example', '/x', 'y']);
    expect(ok(wire({ method: 'GET', path: '/', headers: { host: 'B.example' } })).host).toBe('b.example');
  });

  it('uses http.query only when the path carries no query', () => {
    expect(ok(wire({ method: 'GET', host: 'h', path: '/a', query: 'k=v' })).query).toBe('k=v');
    expect(ok(wire({ method: 'GET', host: 'h', path: '/a?p=1', query: 'k=v' })).query).toBe('p=1');
  });

  it.each([
    ['no http attributes', {}],
    ['no request', { attributes: {} }],
    ['no method', wire({ host: 'h', path: '/' })],
    ['no host', wire({ method: 'GET', path: '/' })],
    ['unbracketed IPv6', wire({ method: 'GET', host: '::1', path: '/' })],
    ['non-numeric port', wire({ method: 'GET', host: 'h:http', path: '/' })],
    ['unclosed bracket', wire({ method: 'GET', host: '[::1', path: '/' })],
    ['junk after bracket', wire({ method: 'GET', host: '[::1]x', path: '/' })],
    ['empty host before port', wire({ method: 'GET', host: ':80', path: '/' })],
    ['asterisk-form path', wire({ method: 'OPTIONS', host: 'h', path: '*' })],
    ['authority-form path', wire({ method: 'CONNECT', host: 'h', path: 'h:443' })],
    ['absolute-form path', wire({ method: 'GET', host: 'h', path: 'http://h/x' })],
    ['no path', wire({ method: 'GET', host: 'h' })],
  ] as [string, WireCheckRequest][])('%s → REQUEST_MALFORMED', (_name, message) => {
    expect(errorCode(message)).toBe('REQUEST_MALFORMED');
  });
});

describe('parseCheckRequest: headers', () => {
  it('reads the headers map, lower-casing names and joining case-variants with ","', () => {
    const request = ok(wire({ method: 'GET', host: 'h', path: '/', headers: { 'X-A': '1', 'x-a': '2', accept: '*/*' } }));
    expect([...request.headers]).toEqual([
      ['x-a', '1,2'],
      ['accept', '*/*'],
    ]);
  });

  it('reads header_map raw_value bytes (encode_raw_headers), joining repeated lines with ","', () => {
    const request = ok(
      wire({
        method: 'GET',
        host: 'h',
        path: '/',
        header_map: { headers: [raw('X-Tag', 'a'), raw('authorization', 'Bearer t'), raw('x-tag', 'b c'), raw('x-utf', 'é')] },
      }),
    );
    expect([...request.headers]).toEqual([
      ['x-tag', 'a,b c'],
      ['authorization', 'Bearer t'],
      ['x-utf', 'é'],
    ]);
  });

  it('reads header_map entries that use value instead of raw_value, and skips nameless ones', () => {
    const request = ok(
      wire({ method: 'GET', host: 'h', path: '/', header_map: { headers: [{ key: 'a', value: 'v' }, { value: 'x' }, { key: 'e' }] } }),
    );
    expect([...request.headers]).toEqual([
      ['a', 'v'],
      ['e', ''],
    ]);
  });

  it('prefers header_map over the headers map when both are present', () => {
    const request = ok(wire({ method: 'GET', host: 'h', path: '/', headers: { a: 'map' }, header_map: { headers: [raw('a', 'raw')] } }));
    expect(request.headers.get('a')).toBe('raw');
  });

  // Bound = 1024 bytes of names + values. 'x-big' is 5 bytes.
  it.each([
    ['map at the bound', 'map', 1019, true],
    ['map one byte over', 'map', 1020, false],
    ['raw at the bound', 'raw', 1019, true],
    ['raw one byte over', 'raw', 1020, false],
  ] as const)('%s', (_name, form, valueBytes, accepted) => {
    const value = 'v'.repeat(valueBytes);
    const http: WireHttpRequest = { method: 'GET', host: 'h', path: '/' };
    if (form === 'map') http.headers = { 'x-big': value };
    else http.header_map = { headers: [raw('x-big', value)] };
    const result = parseCheckRequest(wire(http), limits);
    expect(result.ok).toBe(accepted);
    if (!result.ok) expect(result.error.code).toBe('HEADERS_TOO_LARGE');
  });

  it('counts UTF-8 bytes, not characters, and sums across headers', () => {
    // 400 × 'é' is 400 characters but 800 bytes; two of them cross 1024.
    const value = 'é'.repeat(400);
    expect(errorCode(wire({ method: 'GET', host: 'h', path: '/', headers: { a: value, b: value } }))).toBe('HEADERS_TOO_LARGE');
    expect(ok(wire({ method: 'GET', host: 'h', path: '/', headers: { a: value } })).headers.get('a')).toBe(value);
  });
});

describe('parseCheckRequest: body', () => {
  const base = { method: 'POST', host: 'h', path: '/' };

  it('encodes a string body as UTF-8 bytes', () => {
    const request = ok(wire({ ...base, body: '{"a":"é"}' }));
    expect(Buffer.from(request.body!).toString('utf8')).toBe('{"a":"é"}');
    expect(request.body!.length).toBe(10);
  });

  it('passes raw_body bytes through without copying', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0x7d]);
    expect(ok(wire({ ...base, raw_body: bytes })).body).toBe(bytes);
  });

  it('has no body when neither field is set or both are empty', () => {
    expect(ok(wire(base)).body).toBeUndefined();
    expect(ok(wire({ ...base, body: '', raw_body: Buffer.alloc(0) })).body).toBeUndefined();
  });

  it.each([
    ['string at the bound', { body: 'x'.repeat(64) }, 'ok'],
    ['string over the bound', { body: 'x'.repeat(65) }, 'BODY_TOO_LARGE'],
    ['string within in characters, over in bytes', { body: 'é'.repeat(40) }, 'BODY_TOO_LARGE'],
    ['raw at the bound', { raw_body: Buffer.alloc(64) }, 'ok'],
    ['raw over the bound', { raw_body: Buffer.alloc(65) }, 'BODY_TOO_LARGE'],
  ] as [string, WireHttpRequest, string][])('%s → %s', (_name, fields, expected) => {
    const result = parseCheckRequest(wire({ ...base, ...fields }), limits);
    expect(result.ok ? 'ok' : result.error.code).toBe(expected);
  });

  it.each([
    [undefined, false],
    ['false', false],
    ['true', true],
    ['TRUE', true],
    ['false,true', true],
    ['false, true ', true],
    ['truer', false],
  ])('x-envoy-auth-partial-body %s → bodyTruncated %s', (value, truncated) => {
    const headers: Record<string, string> = value === undefined ? {} : { 'x-envoy-auth-partial-body': value };
    expect(ok(wire({ ...base, headers, body: '{}' })).bodyTruncated).toBe(truncated);
  });
});

describe('parseCheckRequest: context extensions', () => {
  it('passes context_extensions through, and gives {} when absent', () => {
    expect(ok(wire({ method: 'GET', host: 'h', path: '/' }, { service: 'payments' })).contextExtensions).toEqual({ service: 'payments' });
    expect(ok(wire({ method: 'GET', host: 'h', path: '/' })).contextExtensions).toEqual({});
  });
});

describe('normalizeHost', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com:443', 'example.com'],
    ['[::1]:8080', '[::1]'],
    ['[::1]', '[::1]'],
    ['[::1]:', '[::1]'],
    ['', undefined],
    ['[]', undefined],
    ['[]:80', undefined],
    ['a:b:c', undefined],
    ['[::1]:8o', undefined],
  ])('%j → %j', (input, expected) => {
    expect(normalizeHost(input)).toBe(expected);
  });
});
