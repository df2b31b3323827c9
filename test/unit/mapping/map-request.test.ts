import { describe, expect, it } from 'vitest';
import { DutygateError } from '../../../src/errors.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import { mapRequest } from '../../../src/policy/mapping/map-request.js';
import { LIMITS, requestOf } from './request-of.js';

const POLICY = parsePolicy(
  `version: "1"
tools:
  - { name: pay.create, match: { method: POST, host: payments.internal, path: /payments } }
  - { name: pay.approve, match: { method: post, path: "/payments/{payment_id}/approve" } }
  - { name: pay.get, match: { method: GET, path: "/payments/{payment_id}" } }
  - { name: pay.get.shadowed, match: { method: GET, path: "/payments/{id}" } }
  - { name: files.any, match: { path: "/files/{bucket}/{key}" } }
  - { name: home, match: { method: GET, path: / } }
rules: []
`,
  'policy.yaml',
);

type Init = Parameters<typeof requestOf>[0];
const map = (init: Init) => mapRequest(POLICY, requestOf(init), LIMITS);
/** The code mapRequest throws, or 'none'. */
function thrown(init: Init): string {
  try {
    map(init);
    return 'none';
  } catch (error) {
    if (error instanceof DutygateError) return error.code;
    throw error;
  }
}

describe('mapRequest: which tool', () => {
  it.each<[string, Init, string | undefined]>([
    ['method, host and exact path', { host: 'payments.internal', path: '/payments' }, 'pay.create'],
    ['host mismatch', { host: 'evil.internal', path: '/payments' }, undefined],
    ['host is case-insensitive', { host: 'Payments.INTERNAL', path: '/payments' }, 'pay.create'],
    ['host with a trailing root dot', { host: 'payments.internal.', path: '/payments' }, 'pay.create'],
    ['method is case-insensitive (request)', { method: 'post', host: 'payments.internal', path: '/payments' }, 'pay.create'],
    ['method is case-insensitive (policy)', { method: 'POST', path: '/payments/p1/approve' }, 'pay.approve'],
    ['method mismatch', { method: 'PUT', host: 'payments.internal', path: '/payments' }, undefined],
    ['template', { path: '/payments/p1/approve' }, 'pay.approve'],
    ['percent-encoded literal segment', { path: '/payments/p1/%61pprove' }, 'pay.approve'],
    ['one trailing slash', { path: '/payments/p1/approve/' }, 'pay.approve'],
    ['extra segment', { path: '/payments/p1/approve/x' }, undefined],
    ['missing segment', { path: '/payments/approve' }, undefined],
    ['empty capture', { path: '/payments//approve' }, undefined],
    ['dot segment is not normalised', { path: '/payments/p1/x/../approve' }, undefined],
    ['case-sensitive path', { path: '/Payments/p1/approve' }, undefined],
    ['first matching entry in policy order wins', { method: 'GET', path: '/payments/p1' }, 'pay.get'],
    ['entry without method matches any method', { method: 'DELETE', path: '/files/b/k' }, 'files.any'],
    ['entry without method, another method named elsewhere', { method: 'GET', path: '/files/b/k' }, 'files.any'],
    ['root path', { method: 'GET', path: '/' }, 'home'],
    ['unknown path', { path: '/nothing' }, undefined],
  ])('%s', (_name, init, expected) => {
    expect(map(init)?.name).toBe(expected);
  });
});

describe('mapRequest: params', () => {
  it.each<[string, Init, Record<string, unknown>]>([
    ['path captures', { path: '/files/logs/2026.txt', method: 'GET' }, { bucket: 'logs', key: '2026.txt' }],
    ['captures are percent-decoded', { path: '/files/my%20bucket/a%2Fb%C3%A9', method: 'GET' }, { bucket: 'my bucket', key: 'a/bé' }],
    ['a malformed escape is kept verbatim', { path: '/files/b/%zz', method: 'GET' }, { bucket: 'b', key: '%zz' }],
    ['query, with a repeated key as an array', { path: '/payments/p1', method: 'GET', query: 'expand=a&expand=b&limit=10' }, { payment_id: 'p1', expand: ['a', 'b'], limit: '10' }],
    ['query values are decoded, never coerced', { path: '/payments/p1', method: 'GET', query: 'q=a%20b+c&n=5' }, { payment_id: 'p1', q: 'a b c', n: '5' }],
    ['JSON body members join path and query', { path: '/payments/p1/approve', query: 'v=1', body: { note: 'ok', amount: 5 } }, { payment_id: 'p1', v: '1', note: 'ok', amount: 5 }],
    ['a source may repeat an equal value', { path: '/payments/p1/approve', query: 'payment_id=p1', body: { payment_id: 'p1' } }, { payment_id: 'p1' }],
    ['a JSON body without content type, starting with {', { path: '/payments/p1/approve', headers: {}, body: '  {"amount": 7}' }, { payment_id: 'p1', amount: 7 }],
    // A reader that strips a byte order mark (body-parser does) takes this body for JSON too.
    ['a JSON body after a byte order mark, under a non-JSON type', { path: '/payments/p1/approve', headers: { 'content-type': 'text/plain' }, body: '\uFEFF {"amount": 7}' }, { payment_id: 'p1', amount: 7 }],
    ['+json content types are JSON', { path: '/payments/p1/approve', headers: { 'content-type': 'application/merge-patch+json; charset=utf-8' }, body: '{"a":1}' }, { payment_id: 'p1', a: 1 }],
    ['a non-JSON body is not read', { path: '/payments/p1/approve', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'amount=9999' }, { payment_id: 'p1' }],
    ['a JSON array body adds no params', { path: '/payments/p1/approve', body: [1, 2] }, { payment_id: 'p1' }],
    ['an empty JSON body adds no params', { path: '/payments/p1/approve', headers: { 'content-type': 'application/json' }, body: '' }, { payment_id: 'p1' }],
    ['nested values stay nested', { path: '/payments/p1/approve', body: { recipient: { country: 'DE' } } }, { payment_id: 'p1', recipient: { country: 'DE' } }],
  ])('%s', (_name, init, params) => {
    expect({ ...map(init)?.params }).toEqual(params);
  });

  it('a body key __proto__ is a plain param, never a prototype', () => {
    const tool = map({ path: '/payments/p1/approve', body: '{"__proto__": {"admin": true}, "constructor": 1}', headers: { 'content-type': 'application/json' } });
    expect(Object.hasOwn(tool!.params, '__proto__')).toBe(true);
    expect(tool!.params.constructor).toBe(1);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('names the entry', () => {
    expect(map({ path: '/payments/p1/approve' })).toMatchObject({ name: 'pay.approve', entry: 'pay.approve' });
  });
});

describe('mapRequest: refusals', () => {
  it.each<[string, Init, string]>([
    ['body contradicts a path capture', { path: '/payments/p1/approve', body: { payment_id: 'p2' } }, 'BODY_DUPLICATE_KEY'],
    ['body contradicts the query', { path: '/payments/p1/approve', query: 'amount=1', body: { amount: 9999 } }, 'BODY_DUPLICATE_KEY'],
    ['query contradicts a path capture', { path: '/payments/p1', method: 'GET', query: 'payment_id=p2' }, 'BODY_DUPLICATE_KEY'],
    ['duplicate key in the body', { path: '/payments/p1/approve', headers: { 'content-type': 'application/json' }, body: '{"amount":1,"amount":9999}' }, 'BODY_DUPLICATE_KEY'],
    ['malformed JSON', { path: '/payments/p1/approve', headers: { 'content-type': 'application/json' }, body: '{"amount":' }, 'BODY_MALFORMED'],
    ['body starting with { that is not JSON', { path: '/payments/p1/approve', headers: { 'content-type': 'text/plain' }, body: '{not json' }, 'BODY_MALFORMED'],
    ['non-finite number', { path: '/payments/p1/approve', headers: { 'content-type': 'application/json' }, body: '{"amount":1e999}' }, 'BODY_NON_FINITE'],
    ['too deep', { path: '/payments/p1/approve', headers: { 'content-type': 'application/json' }, body: `{"a":${'['.repeat(40)}${']'.repeat(40)}}` }, 'BODY_TOO_DEEP'],
    ['too large', { path: '/payments/p1/approve', body: { memo: 'x'.repeat(70_000) } }, 'BODY_TOO_LARGE'],
    ['truncated JSON body', { path: '/payments/p1/approve', body: { amount: 1 }, bodyTruncated: true }, 'BODY_TOO_LARGE'],
    ['truncated body starting with {', { path: '/payments/p1/approve', headers: {}, body: '{"amount": 1', bodyTruncated: true }, 'BODY_TOO_LARGE'],
  ])('%s', (_name, init, code) => {
    expect(thrown(init)).toBe(code);
  });

  it('a truncated body that is not JSON does not matter', () => {
    expect(thrown({ path: '/payments/p1/approve', headers: { 'content-type': 'application/octet-stream' }, body: 'abc', bodyTruncated: true })).toBe('none');
  });

  it('a body is not read when no tool matches', () => {
    expect(thrown({ path: '/nothing', headers: { 'content-type': 'application/json' }, body: '{"a":1,"a":2}' })).toBe('none');
  });
});
