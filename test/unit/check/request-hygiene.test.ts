/**
 * Method-override channels as the upstream reads them, not as their raw text reads (the bypass
 * found at stop 23: `?%5Fmethod=DELETE` passed `method_override: deny`). Every spelling a
 * framework decodes to `_method` is refused; only a plain `_method` query key can be stripped.
 */
import { describe, expect, it } from 'vitest';
import { judgeMethodOverride, type RequestStrip } from '../../../src/check/request-hygiene.js';
import { isDutygateError } from '../../../src/errors.js';
import type { HttpRequest } from '../../../src/request/http-request.js';

const NONE: RequestStrip = { headers: [], query: [] };

function request(query: string, options: { contentType?: string; body?: string; truncated?: boolean; headers?: Record<string, string> } = {}): HttpRequest {
  const headers = new Map(Object.entries(options.headers ?? {}));
  if (options.contentType) headers.set('content-type', options.contentType);
  return { method: 'POST', host: 'payments.internal', path: '/payments', query, headers, body: options.body === undefined ? undefined : Buffer.from(options.body, 'latin1'), bodyTruncated: options.truncated ?? false, contextExtensions: {} };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (isDutygateError(error)) return error.code;
    throw error;
  }
}

describe('judgeMethodOverride', () => {
  const hiddenQueries = ['%5Fmethod=DELETE', '%5fmethod=DELETE', '_%6Dethod=DELETE', '%5F%4D%45%54%48%4F%44=DELETE', 'a=1;_method=DELETE', 'a=1&b=2;_METHOD=PUT', '.method=DELETE', '_method[]=DELETE', '_method[x]=DELETE', '_method%5B%5D=DELETE', '%2Emethod=DELETE', '_method%ZZ=1&%5Fmethod=DELETE'];
  for (const query of hiddenQueries) {
    it(`refuses the query ${query} in deny and in strip mode`, () => {
      expect(codeOf(() => judgeMethodOverride(request(query), 'deny', NONE))).toBe('METHOD_OVERRIDE');
      expect(codeOf(() => judgeMethodOverride(request(query), 'strip', NONE))).toBe('METHOD_OVERRIDE');
    });
  }

  it('refuses a plain _method query in deny mode and strips it (in any case) in strip mode', () => {
    expect(codeOf(() => judgeMethodOverride(request('_method=DELETE'), 'deny', NONE))).toBe('METHOD_OVERRIDE');
    expect(judgeMethodOverride(request('a=1&_Method=DELETE&_method=PUT'), 'strip', NONE)).toEqual({ headers: [], query: ['_Method', '_method'] });
  });

  it('lets queries through that only look alike', () => {
    for (const query of ['', 'a=1', 'method=GET', 'x_method=1', 'my_method=DELETE', '_methods=1', ' method=1', 'q=%5Fmethod', 'note=_method%3DDELETE', 'a=%E2%82%AC']) {
      expect(judgeMethodOverride(request(query), 'deny', NONE)).toBe(NONE);
    }
  });

  it('refuses an urlencoded form body naming _method in any spelling', () => {
    const form = 'application/x-www-form-urlencoded; charset=utf-8';
    for (const body of ['_method=DELETE', 'a=1&%5Fmethod=DELETE', 'a=1;_method=DELETE', '_METHOD=DELETE', '.method=PUT']) {
      expect(codeOf(() => judgeMethodOverride(request('', { contentType: form, body }), 'strip', NONE))).toBe('METHOD_OVERRIDE');
    }
    expect(judgeMethodOverride(request('', { contentType: form, body: 'amount=10&note=_method' }), 'deny', NONE)).toBe(NONE);
  });

  it('reads a body without a Content-Type as a form, as Rack does for a POST', () => {
    expect(codeOf(() => judgeMethodOverride(request('', { body: '_method=DELETE' }), 'deny', NONE))).toBe('METHOD_OVERRIDE');
    expect(codeOf(() => judgeMethodOverride(request('', { body: 'a=1', truncated: true }), 'deny', NONE))).toBe('BODY_TOO_LARGE');
    expect(judgeMethodOverride(request('', { body: '{"amount":10}' }), 'deny', NONE)).toBe(NONE);
  });

  it('refuses a multipart form field named _method (quoted, unquoted, escaped or RFC 2231)', () => {
    const type = 'multipart/form-data; boundary=XyZ';
    const part = (disposition: string) => `--XyZ\r\nContent-Disposition: ${disposition}\r\n\r\nDELETE\r\n--XyZ--\r\n`;
    // The last two: a header folded onto a continuation line (obsolete, still unfolded by lenient
    // parsers) and a space before the colon.
    for (const disposition of ['form-data; name="_method"', 'form-data; name=_method', 'FORM-DATA;NAME="_METHOD"', "form-data; name*=utf-8''%5Fmethod", 'form-data; name="_method[]"', 'form-data;\r\n\tname="_method"']) {
      expect(codeOf(() => judgeMethodOverride(request('', { contentType: type, body: part(disposition) }), 'deny', NONE))).toBe('METHOD_OVERRIDE');
    }
    const spaced = `--XyZ\r\nContent-Disposition : form-data; name="_method"\r\n\r\nDELETE\r\n--XyZ--\r\n`;
    expect(codeOf(() => judgeMethodOverride(request('', { contentType: type, body: spaced }), 'deny', NONE))).toBe('METHOD_OVERRIDE');
    const upload = `--XyZ\r\nContent-Disposition: form-data; name="file"; filename="_method.txt"\r\n\r\nname="_method"\r\n--XyZ--\r\n`;
    expect(judgeMethodOverride(request('', { contentType: type, body: upload }), 'deny', NONE)).toBe(NONE);
  });

  it('refuses a truncated form body (a _method may hide past the cut), not a truncated other body', () => {
    expect(codeOf(() => judgeMethodOverride(request('', { contentType: 'application/x-www-form-urlencoded', body: 'a=1', truncated: true }), 'deny', NONE))).toBe('BODY_TOO_LARGE');
    expect(codeOf(() => judgeMethodOverride(request('', { contentType: 'multipart/form-data; boundary=b', body: '--b', truncated: true }), 'strip', NONE))).toBe('BODY_TOO_LARGE');
    expect(judgeMethodOverride(request('', { contentType: 'application/octet-stream', body: 'x', truncated: true }), 'deny', NONE)).toBe(NONE);
  });

  it('judges the body under every media type a repeated Content-Type lists (the upstream may read either one)', () => {
    // Two Content-Type lines arrive joined with a comma (parse-check-request.ts); Rack and Go read
    // the first, others the last: the form's _method must be found whichever the gate sees first.
    for (const contentType of ['application/json,application/x-www-form-urlencoded', 'text/plain, multipart/form-data; boundary=XyZ']) {
      const body = contentType.includes('multipart') ? '--XyZ\r\nContent-Disposition: form-data; name="_method"\r\n\r\nDELETE\r\n--XyZ--\r\n' : '_method=DELETE';
      expect(codeOf(() => judgeMethodOverride(request('', { contentType, body }), 'deny', NONE))).toBe('METHOD_OVERRIDE');
    }
    expect(codeOf(() => judgeMethodOverride(request('', { contentType: 'application/json, application/x-www-form-urlencoded', body: 'a=1', truncated: true }), 'deny', NONE))).toBe('BODY_TOO_LARGE');
    expect(judgeMethodOverride(request('', { contentType: 'application/json,text/plain', body: '_method=DELETE' }), 'deny', NONE)).toBe(NONE);
  });

  it('reads a param name as PHP registers it: up to a bracket pair with anything after it, and up to a NUL', () => {
    for (const query of ['_method[]x=DELETE', '_method[a]b=DELETE', '_method%00junk=DELETE', '_method%00=DELETE']) {
      expect(codeOf(() => judgeMethodOverride(request(query), 'strip', NONE))).toBe('METHOD_OVERRIDE');
    }
    expect(judgeMethodOverride(request('_method[=DELETE'), 'deny', NONE)).toBe(NONE);
  });

  it('still judges the override headers', () => {
    expect(codeOf(() => judgeMethodOverride(request('', { headers: { 'x-http-method-override': 'DELETE' } }), 'deny', NONE))).toBe('METHOD_OVERRIDE');
    expect(judgeMethodOverride(request('', { headers: { 'x-method-override': 'DELETE' } }), 'strip', NONE)).toEqual({ headers: ['x-method-override'], query: [] });
  });
});

describe('judgeMethodOverride: a JSON body (Laravel reads _method from JSON input; method-override pointed at req.body)', () => {
  const json = 'application/json';

  it('refuses a top-level _method member in any case and any escaping, in deny and in strip mode', () => {
    const bodies = ['{"_method":"DELETE"}', '{"amount":10,"_METHOD":"PUT"}', '{"\\u005fmethod":"DELETE"}', '{"\\u005Fmethod":"DELETE"}', '{"_\\u006Dethod":"DELETE"}', '{"_\\u004dethod":"DELETE"}', '{"\\u005F\\u006D\\u0045THOD":"DELETE"}', '{"\\u005f\\u006d\\u0065\\u0074\\u0068\\u006f\\u0064":"DELETE"}', ' \r\n\t{"_method":"DELETE"}', '{"_method":"POST","_method":"DELETE"}'];
    for (const body of bodies) {
      expect(codeOf(() => judgeMethodOverride(request('', { contentType: json, body }), 'deny', NONE))).toBe('METHOD_OVERRIDE');
      expect(codeOf(() => judgeMethodOverride(request('', { contentType: json, body }), 'strip', NONE))).toBe('METHOD_OVERRIDE');
    }
  });

  it('judges a body that starts like a JSON object whatever its Content-Type says, after a byte order mark too', () => {
    for (const contentType of [undefined, 'text/plain', 'application/vnd.api+json', 'text/plain, application/json', 'application/octet-stream']) {
      const options = contentType === undefined ? { body: '{"_method":"DELETE"}' } : { contentType, body: '{"_method":"DELETE"}' };
      expect(codeOf(() => judgeMethodOverride(request('', options), 'deny', NONE))).toBe('METHOD_OVERRIDE');
    }
    expect(codeOf(() => judgeMethodOverride(request('', { contentType: json, body: '\xef\xbb\xbf{"_method":"DELETE"}' }), 'deny', NONE))).toBe('METHOD_OVERRIDE');
  });

  it('refuses a truncated JSON body that spells _method in what is left; the rest of a cut body is the mapping\'s to judge', () => {
    expect(codeOf(() => judgeMethodOverride(request('', { contentType: json, body: '{"amount":10,"_method":"DEL', truncated: true }), 'deny', NONE))).toBe('METHOD_OVERRIDE');
    expect(codeOf(() => judgeMethodOverride(request('', { contentType: json, body: '{"\\u005fmethod', truncated: true }), 'strip', NONE))).toBe('METHOD_OVERRIDE');
    expect(judgeMethodOverride(request('', { contentType: json, body: '{"amount":10,', truncated: true }), 'deny', NONE)).toBe(NONE);
  });

  it('lets through bodies that only look alike: nested, as a value, another name, an array, not JSON', () => {
    const bodies = ['{"amount":10}', '{"filter":{"_method":"DELETE"}}', '{"note":"_method"}', '{"user_metadata":{"a":1},"_max":3}', '{"_methods":1}', '{" _method":"DELETE"}', '[{"_method":"DELETE"}]', '{"_method":', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"_method":"x"}}}'];
    for (const body of bodies) {
      expect(judgeMethodOverride(request('', { contentType: json, body }), 'deny', NONE)).toBe(NONE);
    }
  });
});
