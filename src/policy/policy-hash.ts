import { createHash } from 'node:crypto';

/**
 * The content hash behind `policy_version`: sha256 over the canonical JSON of the parsed policy
 * (object keys sorted at every level, arrays in order). Comments, quoting, flow vs block style
 * and key order do not change it; any change of meaning does.
 */
export function policyHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 12);
}

/**
 * Deterministic JSON: like `JSON.stringify`, with object keys sorted by code unit.
 *
 * On the Check path this runs for every audit record and params hash, so a value (or subtree)
 * whose keys are already in that order at every level is written by `JSON.stringify` itself:
 * for plain objects, arrays and JSON scalars its output is then the canonical form, byte for
 * byte. Anything else (unsorted keys, `toJSON`, `undefined`, class instances) takes the
 * explicit path, which sorts one level and tries the fast path again below it.
 */
export function canonicalJson(value: unknown): string {
  if (inCanonicalOrder(value)) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(record[key])}`;
    }
    return `${out}}`;
  }
  // YAML core schema and JSON bodies yield only strings, finite numbers, booleans and null here.
  return JSON.stringify(value) ?? 'null';
}

/**
 * The canonical JSON of an object from its own keys and each value's canonical JSON
 * (`values[i]` is `canonicalJson` of the value at `keys[i]`): exactly what {@link canonicalJson}
 * writes for that object. For callers that need the values' canonical forms anyway (one hash per
 * param, then one of all params): each value is then serialised once, not twice.
 */
export function canonicalJsonOfEntries(keys: readonly string[], values: readonly string[]): string {
  const order = keys.map((_, i) => i);
  // Own keys are distinct, so this is the code-unit order of `Object.keys(…).sort()`.
  order.sort((a, b) => ((keys[a] as string) < (keys[b] as string) ? -1 : 1));
  let out = '{';
  for (let i = 0; i < order.length; i++) {
    const at = order[i] as number;
    out += `${i === 0 ? '' : ','}${JSON.stringify(keys[at])}:${values[at] as string}`;
  }
  return `${out}}`;
}

/**
 * Whether `JSON.stringify(value)` is already canonical: JSON scalars, arrays of such values, and
 * plain objects whose own keys come out in code-unit order (checked before any value, so an
 * unsorted object fails fast). Integer-like keys, which both `Object.keys` and `JSON.stringify`
 * put first in numeric order, pass only when that order is also code-unit order.
 */
function inCanonicalOrder(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!inCanonicalOrder(value[i])) return false;
        return true;
      }
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = 1; i < keys.length; i++) if (!((keys[i - 1] as string) < (keys[i] as string))) return false;
      if ('toJSON' in record) return false;
      for (let i = 0; i < keys.length; i++) if (!inCanonicalOrder(record[keys[i] as string])) return false;
      return true;
    }
    default:
      return false;
  }
}
