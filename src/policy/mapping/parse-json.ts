import type { DenyCode } from '../../errors.js';
import { isWellFormedUtf16 } from '../../lib/text.js';
import { foldKey } from './case-fold.js';

/** Why a body was refused: one of the BODY_* codes and an agent-safe sentence. */
export interface JsonFailure {
  readonly ok: false;
  readonly code: Extract<DenyCode, 'BODY_TOO_LARGE' | 'BODY_MALFORMED' | 'BODY_TOO_DEEP' | 'BODY_DUPLICATE_KEY' | 'BODY_KEY_COLLISION' | 'BODY_NON_FINITE'>;
  readonly reason: string;
}

/** The outcome of {@link parseStrictJson}: errors are values, so hostile input never throws. */
export type JsonResult = { readonly ok: true; readonly value: unknown } | JsonFailure;

/** Bounds on a body; both come from `limits` in the gate config. */
export interface JsonLimits {
  readonly maxBodyBytes: number;
  readonly maxJsonDepth: number;
}

// `fatal` turns invalid UTF-8 into an error instead of U+FFFD: a replacement character would
// let the policy see a different string from the one the upstream decodes.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a request body as RFC 8259 JSON, more strictly than `JSON.parse`: duplicate object keys
 * (compared after unescaping, so `"a"` and `"\u0061"` collide) are BODY_DUPLICATE_KEY; two keys
 * of one object equal under Unicode simple case folding (`amount`/`AMOUNT`/`AMOUNT`, see
 * `case-fold.ts`) are BODY_KEY_COLLISION, at any depth; strings holding an unpaired surrogate
 * (`"\ud800"`: ill-formed UTF-16, RFC 8259 §8.2, which other decoders replace or reject) are
 * BODY_MALFORMED; numbers that overflow to
 * ±Infinity, nesting deeper than `maxJsonDepth`, invalid UTF-8 and bodies above `maxBodyBytes`
 * are refused. `JSON.parse` silently keeps the last duplicate, which would let an agent show the
 * policy one value and the upstream another.
 *
 * A hand-written validator runs first; `JSON.parse` then builds the value (native and fast, and it
 * defines `__proto__` as an own property rather than touching the prototype).
 */
export function parseStrictJson(bytes: Uint8Array, limits: JsonLimits): JsonResult {
  if (bytes.byteLength > limits.maxBodyBytes) {
    return fail('BODY_TOO_LARGE', `the body is ${bytes.byteLength} bytes; the limit is ${limits.maxBodyBytes}`);
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return fail('BODY_MALFORMED', 'the body is not valid UTF-8');
  }
  const failure = new Validator(text, limits.maxJsonDepth).run();
  if (failure) return failure;
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    // Unreachable when the validator is right; kept so a validator gap still fails closed.
    return fail('BODY_MALFORMED', 'the body is not valid JSON');
  }
}

function fail(code: JsonFailure['code'], reason: string): JsonFailure {
  return { ok: false, code, reason };
}

/** A recursive-descent recogniser; recursion is bounded by `maxDepth`, checked before descending. */
class Validator {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  run(): JsonFailure | undefined {
    this.skipSpace();
    const failure = this.value(0);
    if (failure) return failure;
    this.skipSpace();
    return this.pos === this.text.length ? undefined : this.malformed('unexpected data after the JSON value');
  }

  private value(depth: number): JsonFailure | undefined {
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth >= this.maxDepth) return fail('BODY_TOO_DEEP', `the body nests deeper than ${this.maxDepth} levels`);
      return c === 0x7b ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === 0x22 /* " */) return this.string() === undefined ? this.malformed('bad string, or an escaped unpaired surrogate') : undefined;
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.literal('true') || this.literal('false') || this.literal('null')) return undefined;
    return this.malformed(Number.isNaN(c) ? 'unexpected end of input' : 'unexpected character');
  }

  private object(depth: number): JsonFailure | undefined {
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x7d /* } */) {
      this.pos++;
      return undefined;
    }
    // Keyed by the folded form: an exact repeat folds equal too, so one map finds both.
    const folded = new Map<string, string>();
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== 0x22) return this.malformed('expected an object key');
      const key = this.string();
      if (key === undefined) return this.malformed('bad object key, or an escaped unpaired surrogate');
      const fold = foldKey(key);
      const twin = folded.get(fold);
      if (twin === key) return fail('BODY_DUPLICATE_KEY', `the key ${JSON.stringify(key)} appears twice in one object`);
      if (twin !== undefined) {
        return fail('BODY_KEY_COLLISION', `the keys ${JSON.stringify(twin)} and ${JSON.stringify(key)} of one object are equal under case folding; a case-insensitive upstream would take the last`);
      }
      folded.set(fold, key);
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x3a /* : */) return this.malformed("expected ':'");
      this.pos++;
      this.skipSpace();
      const failure = this.value(depth);
      if (failure) return failure;
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x7d) return undefined;
      if (c !== 0x2c /* , */) return this.malformed("expected ',' or '}'");
      this.skipSpace();
    }
  }

  private array(depth: number): JsonFailure | undefined {
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x5d /* ] */) {
      this.pos++;
      return undefined;
    }
    for (;;) {
      const failure = this.value(depth);
      if (failure) return failure;
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x5d) return undefined;
      if (c !== 0x2c) return this.malformed("expected ',' or ']'");
      this.skipSpace();
    }
  }

  /** Consumes a string token; returns its unescaped value (cheaply when it has no escapes). */
  private string(): string | undefined {
    const start = ++this.pos;
    let decoded: string | undefined;
    let chunk = start;
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (Number.isNaN(c) || c < 0x20) return undefined;
      if (c === 0x22) {
        const tail = this.text.slice(chunk, this.pos++);
        if (decoded === undefined) return tail;
        // Only a `\u` escape can produce a lone surrogate: the UTF-8 decoder refused raw ones.
        const value = decoded + tail;
        return isWellFormedUtf16(value) ? value : undefined;
      }
      if (c !== 0x5c /* \ */) {
        this.pos++;
        continue;
      }
      decoded = (decoded ?? '') + this.text.slice(chunk, this.pos);
      const escape = this.escape();
      if (escape === undefined) return undefined;
      decoded += escape;
      chunk = this.pos;
    }
  }

  private escape(): string | undefined {
    const c = this.text[this.pos + 1];
    this.pos += 2;
    switch (c) {
      case '"': case '\\': case '/': return c;
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'u': {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) return undefined;
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        return undefined;
    }
  }

  private number(): JsonFailure | undefined {
    const match = NUMBER.exec(this.text.slice(this.pos, this.pos + MAX_NUMBER_CHARS + 1));
    if (!match) return this.malformed('bad number');
    if (match[0].length > MAX_NUMBER_CHARS) return this.malformed(`number longer than ${MAX_NUMBER_CHARS} characters`);
    const token = match[0];
    this.pos += token.length;
    // 1e999 and 400-digit integers become ±Infinity in JSON.parse; a policy limit cannot judge them.
    if (!Number.isFinite(Number(token))) return fail('BODY_NON_FINITE', `the number ${token.slice(0, 32)} is not finite`);
    return undefined;
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  private malformed(what: string): JsonFailure {
    return fail('BODY_MALFORMED', `the body is not valid JSON (${what} at character ${this.pos})`);
  }
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;
/** Longer numeric tokens are refused outright: no real parameter needs them, and it bounds work. */
const MAX_NUMBER_CHARS = 1_000;
