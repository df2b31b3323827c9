import { createHash } from 'node:crypto';

/**
 * The content hash behind `policy_version`: sha256 over the canonical JSON of the parsed policy
 * (object keys sorted at every level, arrays in order). Comments, quoting, flow vs block style
 * and key order do not change it; any change of meaning does.
 */
export function policyHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 12);
}

/** Deterministic JSON: like `JSON.stringify`, with object keys sorted by code unit. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
  }
  // YAML core schema yields only strings, finite numbers, booleans and null here.
  return JSON.stringify(value) ?? 'null';
}
