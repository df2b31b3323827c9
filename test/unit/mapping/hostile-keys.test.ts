import { describe, expect, it } from 'vitest';
import type { DutygateError } from '../../../src/errors.js';
import { identifierError, isWellFormedUtf16 } from '../../../src/lib/text.js';
import { foldKey } from '../../../src/policy/mapping/case-fold.js';
import { parseStrictJson } from '../../../src/policy/mapping/parse-json.js';
import { checkToolName } from '../../../src/policy/mapping/tool-name.js';
import { LIMITS } from './request-of.js';

const parse = (text: string) => {
  const result = parseStrictJson(new TextEncoder().encode(text), LIMITS);
  return result.ok ? 'ok' : result.code;
};

describe('Unicode simple case folding of keys (Go encoding/json)', () => {
  it.each([
    ['amount', 'AMOUNT'],
    ['destination', 'deſtination'],
    ['kind', '\u212Aind'],
    ['straße', 'STRAẞE'],
    ['ω', '\u2126'],
    ['\u01c6', '\u01c5'],
    ['name', 'NAME'],
  ])('%s and %s fold equal', (a, b) => {
    expect(foldKey(a)).toBe(foldKey(b));
  });

  it.each([['ss', 'ß'], ['a', 'b'], ['i̇', 'i']])('%s and %s stay apart', (a, b) => {
    expect(foldKey(a)).not.toBe(foldKey(b));
  });

  it.each([
    ['top level', '{"amount":1,"AMOUNT":2}'],
    ['nested object', '{"a":{"b":{"x":1,"X":2}}}'],
    ['object inside an array', '{"items":[{"sku":1},{"sku":2,"SKU":3}]}'],
    ['escaped key', '{"method":"ping","\\u004dETHOD":"tools/call"}'],
    ['long s, escaped', '{"s":1,"\\u017f":2}'],
  ])('%s collision → BODY_KEY_COLLISION', (_name, text) => {
    expect(parse(text)).toBe('BODY_KEY_COLLISION');
  });

  it('an exact duplicate keeps its own code; distinct keys in sibling objects are fine', () => {
    expect(parse('{"a":1,"a":2}')).toBe('BODY_DUPLICATE_KEY');
    expect(parse('{"a":{"k":1},"b":{"K":2},"c":[{"k":1},{"K":2}]}')).toBe('ok');
  });

  it('an escaped unpaired surrogate is BODY_MALFORMED; a pair is fine', () => {
    expect(parse('{"a":"x\\ud800"}')).toBe('BODY_MALFORMED');
    expect(parse('{"a":"\\udc00x"}')).toBe('BODY_MALFORMED');
    expect(parse('{"\\ud800":1}')).toBe('BODY_MALFORMED');
    expect(parse('{"a":"\\ud83d\\ude00"}')).toBe('ok');
  });
});

describe('identifiers and tool names', () => {
  it('isWellFormedUtf16', () => {
    expect(isWellFormedUtf16('a\ud83d\ude00b')).toBe(true);
    expect(isWellFormedUtf16('a\ud83d')).toBe(false);
    expect(isWellFormedUtf16('\ude00a')).toBe(false);
  });

  it.each(['finance-a', 'sso:carol@example.com', 'Ünïcode-ok', 'a b', 'x'.repeat(128)])('%s is an identifier', (value) => {
    expect(identifierError(value, 128)).toBeUndefined();
  });

  it.each(['', 'a\u0000', 'a\u007f', 'a\u200b', 'a\u202e', 'a\u2066', 'a\ufeff', 'a\u2028', 'a\u00a0', 'a\ud800', 'x'.repeat(129), ' a', 'a ', ' '])('%j is not', (value) => {
    expect(identifierError(value, 128)).toBeDefined();
  });

  const code = (name: string, rule = {}) => {
    try {
      checkToolName(name, rule);
      return 'ok';
    } catch (error) {
      return (error as DutygateError).code;
    }
  };

  it('tool names follow the MCP guidance, with configurable extras and length', () => {
    expect(code('read_file')).toBe('ok');
    expect(code('admin.tools/list-all_v2')).toBe('ok');
    expect(code('ns:tool')).toBe('MCP_TOOL_NAME');
    expect(code('ns:tool', { toolNameExtraChars: ':' })).toBe('ok');
    expect(code('a]b', { toolNameExtraChars: ']' })).toBe('ok');
    expect(code('a\\b', { toolNameExtraChars: ']' })).toBe('MCP_TOOL_NAME');
    expect(code('x'.repeat(129))).toBe('MCP_TOOL_NAME');
    expect(code('x'.repeat(129), { maxToolNameLength: 200 })).toBe('ok');
    expect(code('read_x\u0000/../delete')).toBe('MCP_TOOL_NAME');
    // Found by the campaign: dot segments pass the spec's character set but traverse in gateways.
    for (const name of ['read_a/../../delete_all', 'read_a/./x', '..', '.', 'a//b', '/a', 'a/']) expect(code(name), name).toBe('MCP_TOOL_NAME');
    for (const name of ['read_ok.v2/sub-1', 'a.b', '.hidden', 'ns/tool.v1']) expect(code(name), name).toBe('ok');
  });
});
