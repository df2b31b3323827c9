import type { SchemaObject } from 'ajv';
import { isScalar, parseDocument } from 'yaml';
import { formatKeyPath } from '../yaml/source-issue.js';

/**
 * Lets `port: ${PORT}` work. Expansion yields strings, and the schema never coerces; so a
 * scalar that was exactly one `${…}` is re-read as a YAML scalar where, and only where, the
 * schema expects an integer, number or boolean. Everywhere else it stays a string: a numeric
 * Slack signing secret must not turn into a number. Anything else (`port: "${PORT}0"`) is left
 * for the schema to report.
 */
export function coerceExpanded(value: unknown, schema: SchemaObject, wholeKeys: ReadonlySet<string>): unknown {
  if (wholeKeys.size === 0) return value;
  const walk = (node: unknown, at: SchemaObject | undefined, path: (string | number)[]): unknown => {
    if (at === undefined) return node;
    if (typeof node === 'string') {
      return wantsScalar(at) && wholeKeys.has(formatKeyPath(path)) ? (readScalar(node) ?? node) : node;
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, asSchema(at.items), [...path, index]));
    if (typeof node === 'object' && node !== null) {
      const properties = (at.properties ?? {}) as Record<string, SchemaObject>;
      return Object.fromEntries(
        Object.entries(node).map(([key, child]) => [
          key,
          walk(child, Object.hasOwn(properties, key) ? properties[key] : asSchema(at.additionalProperties), [...path, key]),
        ]),
      );
    }
    return node;
  };
  return walk(value, schema, []);
}

function wantsScalar(schema: SchemaObject): boolean {
  return schema.type === 'integer' || schema.type === 'number' || schema.type === 'boolean';
}

function asSchema(candidate: unknown): SchemaObject | undefined {
  return typeof candidate === 'object' && candidate !== null ? candidate : undefined;
}

/** A number or boolean in YAML 1.2 core-schema spelling (`9191`, `0x1F`, `true`), else undefined. */
function readScalar(text: string): number | boolean | undefined {
  const doc = parseDocument(text, { schema: 'core' });
  if (doc.errors.length > 0 || !isScalar(doc.contents)) return undefined;
  const value: unknown = doc.contents.value;
  return typeof value === 'number' || typeof value === 'boolean' ? value : undefined;
}
