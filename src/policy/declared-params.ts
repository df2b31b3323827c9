/**
 * Declared tool params (issue 13, item 1): `tools[].params: { allowed: [...] }` and/or
 * `{ schema: <JSON Schema> }`. With a declaration, a call carrying a param the policy author did
 * not name is refused (BODY_UNKNOWN_PARAM) and, with a schema, params that do not fit it are
 * refused (BODY_SCHEMA): what the upstream receives is what the policy was written for. The
 * schema is compiled once with Ajv (strict mode, no coercion, no defaults: the gate never
 * rewrites params); `additionalProperties: false` in it makes unknown keys BODY_UNKNOWN_PARAM.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { DutygateError } from '../errors.js';
import { superLinearRegexError } from './regex-safety.js';

/** A compiled declaration. */
export interface DeclaredParams {
  readonly allowed?: ReadonlySet<string>;
  readonly validate?: ValidateFunction;
}

/** The raw YAML form. */
export interface RawDeclaredParams {
  readonly allowed?: readonly string[];
  readonly schema?: unknown;
}

const ajv = new Ajv({ strict: true, allErrors: false, coerceTypes: false, useDefaults: false });

/** Compiles a declaration; returns the compile error of the schema as a string instead. */
export function compileDeclaredParams(raw: RawDeclaredParams): DeclaredParams | { error: string } {
  let validate: ValidateFunction | undefined;
  if (raw.schema !== undefined) {
    // Ajv runs `pattern` and `patternProperties` with V8's backtracking engine on agent-controlled
    // params: they pass the same check as rule regexes (issue 13 item 3).
    for (const pattern of schemaPatterns(raw.schema)) {
      const slow = superLinearRegexError(pattern);
      if (slow !== undefined) return { error: `pattern ${JSON.stringify(pattern.slice(0, 80))}: ${slow}` };
    }
    try {
      validate = ajv.compile(raw.schema as object);
    } catch (error) {
      return { error: `not a valid JSON Schema: ${(error as Error).message}` };
    }
  }
  return { ...(raw.allowed === undefined ? {} : { allowed: new Set(raw.allowed) }), ...(validate === undefined ? {} : { validate }) };
}

/** Throws BODY_UNKNOWN_PARAM / BODY_SCHEMA unless `params` fit `declared` (names only, never values). */
export function checkDeclaredParams(declared: DeclaredParams, params: Readonly<Record<string, unknown>>, tool: string): void {
  if (declared.allowed !== undefined) {
    for (const key of Object.keys(params)) {
      if (!declared.allowed.has(key)) throw DutygateError.expected('BODY_UNKNOWN_PARAM', `${tool} declares no param ${JSON.stringify(key.slice(0, 64))}`);
    }
  }
  const validate = declared.validate;
  if (validate === undefined || validate(params)) return;
  const first = validate.errors?.[0];
  if (first?.keyword === 'additionalProperties') {
    const property = (first.params as { additionalProperty?: unknown }).additionalProperty;
    const extra = (typeof property === 'string' ? property : '').slice(0, 64);
    throw DutygateError.expected('BODY_UNKNOWN_PARAM', `${tool} declares no param ${JSON.stringify(`${first.instancePath.replace(/^\//, '').replace(/\//g, '.')}${first.instancePath ? '.' : ''}${extra}`)}`);
  }
  throw DutygateError.expected('BODY_SCHEMA', `the params of ${tool} do not fit its schema: ${first?.instancePath || '(params)'} ${first?.message ?? 'is invalid'}`);
}

/** Every regex a JSON Schema holds: `pattern` values and `patternProperties` keys, at any depth. */
function schemaPatterns(schema: unknown, found: string[] = []): string[] {
  if (Array.isArray(schema)) {
    for (const item of schema) schemaPatterns(item, found);
  } else if (typeof schema === 'object' && schema !== null) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'pattern' && typeof value === 'string') found.push(value);
      if (key === 'patternProperties' && typeof value === 'object' && value !== null) found.push(...Object.keys(value as object));
      schemaPatterns(value, found);
    }
  }
  return found;
}
