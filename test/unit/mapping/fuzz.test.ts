import { describe, expect, it } from 'vitest';
import { DutygateError } from '../../../src/errors.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import { mapRequest } from '../../../src/policy/mapping/map-request.js';
import { parseStrictJson } from '../../../src/policy/mapping/parse-json.js';
import { mulberry32 } from '../../helpers/mulberry32.js';
import { requestOf } from './request-of.js';

/** A seeded PRNG so that a failure reproduces. */
const random = mulberry32;

const POLICY = parsePolicy(
  `version: "1"
tools:
  - { name: pay, match: { method: POST, path: "/p/{id}" } }
  - { name: mcp, match: { path: /mcp }, protocol: mcp }
rules: []
`,
  'policy.yaml',
);
const LIMITS = { maxBodyBytes: 4_096, maxJsonDepth: 8 };
const ALLOWED = new Set(['BODY_TOO_LARGE', 'BODY_MALFORMED', 'BODY_TOO_DEEP', 'BODY_DUPLICATE_KEY', 'BODY_KEY_COLLISION', 'BODY_NON_FINITE', 'MCP_BATCH', 'MCP_MALFORMED', 'MCP_TOOL_NAME']);
const SEEDS = [1, 2, 3, 42, 1337];

/** JSON-ish alphabet: random bytes rarely get past the first character, these do. */
const JSONISH = [...'{}[]",:\\/ 0123456789-+.eEtruefalsnul\u00e9\ud83d\ude00\u0000\n'];

function randomBody(next: () => number): Uint8Array {
  const length = Math.floor(next() * 300);
  if (next() < 0.5) return Uint8Array.from({ length }, () => Math.floor(next() * 256));
  let text = next() < 0.5 ? '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":' : '{';
  for (let i = 0; i < length; i++) text += JSONISH[Math.floor(next() * JSONISH.length)];
  return new TextEncoder().encode(text);
}

describe('fuzz: mapRequest on hostile input', () => {
  it.each(SEEDS)('never throws anything but a DutygateError with a body code (seed %i)', (seed) => {
    const next = random(seed);
    const paths = ['/p/x', '/mcp', '/p/%', '/p/%E0%A4%A', '/p//', '/mcp/', '/', '//mcp'];
    const methods = ['POST', 'GET', 'DELETE', 'post', 'PATCH'];
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) {
      const request = requestOf({
        method: methods[Math.floor(next() * methods.length)]!,
        path: paths[Math.floor(next() * paths.length)]!,
        query: next() < 0.3 ? 'a=%ZZ&a=1&b' : '',
        headers: { 'content-type': next() < 0.5 ? 'application/json' : 'text/plain' },
        body: randomBody(next),
        bodyTruncated: next() < 0.05,
      });
      let outcome: string;
      try {
        outcome = mapRequest(POLICY, request, LIMITS)?.name ?? 'none';
      } catch (error) {
        expect(error).toBeInstanceOf(DutygateError);
        const code = (error as DutygateError).code;
        expect(ALLOWED.has(code), code).toBe(true);
        outcome = code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // The fuzzer must reach the parsers, not stop at the tool lookup.
    expect(outcomes.get('BODY_MALFORMED')).toBeGreaterThan(0);
  });
});

/** True when some string (key or value) of `value` holds an unpaired surrogate. */
function hasLoneSurrogate(value: unknown): boolean {
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  if (typeof value === 'string') return lone.test(value);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, item]) => lone.test(key) || hasLoneSurrogate(item));
}

describe('fuzz: parseStrictJson agrees with JSON.parse', () => {
  const SAMPLE = '{"a":[1,-2.5e3,true,null,{"b":"c\\u00e9\\n"}],"d":{"e":[[]],"f":"\\ud83d\\ude00"},"g":0}';

  it.each(SEEDS)('accepts a mutation only if JSON.parse does, with the same value (seed %i)', (seed) => {
    const next = random(seed);
    let accepted = 0;
    for (let i = 0; i < 5_000; i++) {
      const chars = [...SAMPLE];
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * chars.length);
        const char = JSONISH[Math.floor(next() * JSONISH.length)]!;
        const op = next();
        if (op < 0.4) chars[at] = char;
        else if (op < 0.7) chars.splice(at, 1);
        else chars.splice(at, 0, char);
      }
      const text = chars.join('');
      const ours = parseStrictJson(new TextEncoder().encode(text), { maxBodyBytes: 65_536, maxJsonDepth: 32 });
      let native: { ok: true; value: unknown } | { ok: false };
      try {
        native = { ok: true, value: JSON.parse(text) };
      } catch {
        native = { ok: false };
      }
      if (ours.ok) {
        accepted++;
        expect(native, text).toEqual({ ok: true, value: ours.value });
      } else if (ours.code === 'BODY_MALFORMED') {
        // Stricter than JSON.parse in one way only: an escaped unpaired surrogate (issue 19).
        if (native.ok) expect(hasLoneSurrogate(native.value), text).toBe(true);
        else expect(native.ok, text).toBe(false);
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
