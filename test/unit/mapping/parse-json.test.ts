import { describe, expect, it } from 'vitest';
import { parseStrictJson } from '../../../src/policy/mapping/parse-json.js';
import { LIMITS } from './request-of.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const parse = (text: string | Uint8Array, limits = LIMITS) => parseStrictJson(typeof text === 'string' ? utf8(text) : text, limits);
const nest = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('parseStrictJson: accepts RFC 8259 JSON', () => {
  it.each([
    ['object', '{"a":1,"b":[true,false,null],"c":{"d":"e"}}', { a: 1, b: [true, false, null], c: { d: 'e' } }],
    ['whitespace everywhere', ' \t\r\n{ "a" : [ 1 , 2 ] }\n', { a: [1, 2] }],
    ['scalars at the top', '"x"', 'x'],
    ['escapes', '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"', '"\\/\b\f\n\r\té😀'],
    ['numbers', '[0,-0,1.5,-2e3,1E+2,1e-999,12345678901234567890]', [0, -0, 1.5, -2000, 100, 0, Number('12345678901234567890')]],
    ['same key in different objects', '{"a":{"k":1},"b":{"k":2}}', { a: { k: 1 }, b: { k: 2 } }],
    ['byte order mark', '\ufeff{"a":1}', { a: 1 }],
    ['__proto__ is an own key, not the prototype', '{"__proto__":{"admin":true}}', JSON.parse('{"__proto__":{"admin":true}}')],
  ])('%s', (_name, text, value) => {
    expect(parse(text)).toEqual({ ok: true, value });
  });

  it('keeps __proto__ as data', () => {
    const result = parse('{"__proto__":{"admin":true}}');
    expect(result.ok && Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(result.ok && Object.hasOwn(result.value as object, '__proto__')).toBe(true);
  });

  it('accepts exactly maxJsonDepth levels', () => {
    expect(parse(nest(32)).ok).toBe(true);
    expect(parse(`{"a":${nest(31)}}`).ok).toBe(true);
  });
});

describe('parseStrictJson: refuses with a code', () => {
  it.each([
    ['too deep (arrays)', nest(33), 'BODY_TOO_DEEP'],
    ['too deep (objects)', '{"a":'.repeat(33) + '1' + '}'.repeat(33), 'BODY_TOO_DEEP'],
    ['very deep does not overflow the stack', nest(30_000), 'BODY_TOO_DEEP'],
    ['duplicate key', '{"a":1,"a":2}', 'BODY_DUPLICATE_KEY'],
    ['duplicate key with equal values', '{"a":1,"a":1}', 'BODY_DUPLICATE_KEY'],
    ['nested duplicate key', '{"x":[{"amount":1,"amount":9999}]}', 'BODY_DUPLICATE_KEY'],
    ['duplicate key spelt with an escape', '{"a":1,"\\u0061":2}', 'BODY_DUPLICATE_KEY'],
    ['duplicate key with a mixed escape', '{"amount":1,"am\\u006fu\\u006Et":2}', 'BODY_DUPLICATE_KEY'],
    ['duplicate escaped key', '{"\\n":1,"\\u000a":2}', 'BODY_DUPLICATE_KEY'],
    ['1e999', '{"amount":1e999}', 'BODY_NON_FINITE'],
    ['-1e999', '{"amount":-1e999}', 'BODY_NON_FINITE'],
    ['a 400-digit integer', `{"amount":${'9'.repeat(400)}}`, 'BODY_NON_FINITE'],
    ['a 2000-digit number', `[${'1'.repeat(2000)}]`, 'BODY_MALFORMED'],
    ['NaN', '{"a":NaN}', 'BODY_MALFORMED'],
    ['Infinity', '[Infinity]', 'BODY_MALFORMED'],
    ['trailing garbage', '{"a":1}x', 'BODY_MALFORMED'],
    ['two values', '{"a":1} {"a":2}', 'BODY_MALFORMED'],
    ['trailing comma', '{"a":1,}', 'BODY_MALFORMED'],
    ['single quotes', "{'a':1}", 'BODY_MALFORMED'],
    ['unquoted key', '{a:1}', 'BODY_MALFORMED'],
    ['leading zero', '[01]', 'BODY_MALFORMED'],
    ['bare minus', '[-]', 'BODY_MALFORMED'],
    ['fraction without digits', '[1.]', 'BODY_MALFORMED'],
    ['raw control character in a string', '["a\u0001"]', 'BODY_MALFORMED'],
    ['bad escape', '["\\x41"]', 'BODY_MALFORMED'],
    ['short unicode escape', '["\\u12"]', 'BODY_MALFORMED'],
    ['unterminated string', '{"a":"b', 'BODY_MALFORMED'],
    ['unterminated object', '{"a":1', 'BODY_MALFORMED'],
    ['comment', '{"a":1 /* c */}', 'BODY_MALFORMED'],
    ['empty', '', 'BODY_MALFORMED'],
    ['whitespace only', '  ', 'BODY_MALFORMED'],
    ['truncated literal', '[tru]', 'BODY_MALFORMED'],
  ])('%s', (_name, text, code) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.code).toBe(code);
  });

  it.each([
    ['lone continuation byte', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d]],
    ['overlong encoding of "/"', [0x5b, 0x22, 0xc0, 0xaf, 0x22, 0x5d]],
    ['truncated sequence', [0x5b, 0x22, 0xe2, 0x82, 0x22, 0x5d]],
    ['encoded surrogate', [0x5b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x5d]],
    ['0xff', [0xff]],
  ])('invalid UTF-8 (%s) → BODY_MALFORMED', (_name, bytes) => {
    expect(parse(new Uint8Array(bytes))).toMatchObject({ ok: false, code: 'BODY_MALFORMED' });
  });

  it('refuses a body above maxBodyBytes before reading it', () => {
    expect(parse('{"a":"0123456789"}', { maxBodyBytes: 10, maxJsonDepth: 32 })).toMatchObject({ ok: false, code: 'BODY_TOO_LARGE' });
  });

  it('names the duplicate key in the reason', () => {
    expect(parse('{"amount":1,"amount":2}')).toMatchObject({ reason: 'the key "amount" appears twice in one object' });
  });
});

describe('parseStrictJson: speed', () => {
  it('parses a typical ~300 B body in well under 50 µs', () => {
    const body = utf8(JSON.stringify({ payment_id: 'pay_01HXYZ', amount: 4999.5, currency: 'EUR', destination: 'acct_1234567890', memo: 'Invoice 2026-11 ünïcode', recipient: { name: 'ACME GmbH', country: 'DE', iban: 'DE89370400440532013000' }, tags: ['q4', 'vendor', 'recurring'], dry_run: false }));
    for (let i = 0; i < 2_000; i++) parseStrictJson(body, LIMITS);
    const runs = 20_000;
    const start = performance.now();
    for (let i = 0; i < runs; i++) parseStrictJson(body, LIMITS);
    const perCallUs = ((performance.now() - start) * 1000) / runs;
    expect(perCallUs).toBeLessThan(50);
  });
});
