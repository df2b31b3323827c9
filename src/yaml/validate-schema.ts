import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { didYouMean } from './did-you-mean.js';
import type { ParsedYaml } from './parse-yaml.js';
import { formatKeyPath, type SourceIssue } from './source-issue.js';

/**
 * Compiles a JSON Schema once (draft-07, all errors, no coercion: `port: "9191"` is a type
 * error, not a number) into a validator that reports {@link SourceIssue}s with positions.
 */
export function compileSchema(schema: SchemaObject): (parsed: ParsedYaml) => SourceIssue[] {
  const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false, verbose: true });
  const validate: ValidateFunction = ajv.compile(schema);
  return (parsed) => {
    if (validate(parsed.value)) return [];
    return dedupe((validate.errors ?? []).map((error) => toIssue(parsed, error)));
  };
}

function toIssue(parsed: ParsedYaml, error: ErrorObject): SourceIssue {
  const path = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    const key = String(params.additionalProperty);
    const full = [...path, key];
    return { file: parsed.file, ...parsed.positionOf(full, 'key'), key: formatKeyPath(full), message: `unknown key '${key}'`, hint: suggest(key, error) };
  }
  if (error.keyword === 'required') {
    return { file: parsed.file, ...parsed.positionOf(path, 'key'), key: formatKeyPath([...path, String(params.missingProperty)]), message: 'is required' };
  }
  return { file: parsed.file, ...parsed.positionOf(path, 'value'), key: formatKeyPath(path), message: describe(error) };
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `must be ${String(params.type)}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      return typeof error.parentSchema?.description === 'string'
        ? `must be ${error.parentSchema.description}`
        : `must match ${String(params.pattern)}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return error.message ?? error.keyword;
  }
}

/** Offers the closest known key for a misspelt one. */
function suggest(key: string, error: ErrorObject): string | undefined {
  return didYouMean(key, Object.keys((error.parentSchema?.properties ?? {}) as Record<string, unknown>));
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Ajv reports `oneOf`/`anyOf` branches separately; one issue per position and message is enough. */
function dedupe(issues: SourceIssue[]): SourceIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const id = `${issue.line}:${issue.column}:${issue.key}:${issue.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
