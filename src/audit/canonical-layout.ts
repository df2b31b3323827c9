import { canonicalJson } from '../policy/policy-hash.js';

/**
 * How one key list is written canonically: its keys (less the omitted one) in code-unit order,
 * each with its `"key":` text and the separator before it.
 */
interface Layout {
  readonly keys: readonly string[];
  readonly sorted: readonly string[];
  readonly prefixes: readonly string[];
}

/** Decision, approval and checkpoint records: a few layouts at most; the oldest goes first. */
const MAX_LAYOUTS = 8;

/**
 * `canonicalJson` of `record` without its `omitted` key, for records that come in a few fixed
 * layouts (the audit records: every decision record has the same keys in the same order).
 *
 * Why: sorting the ~30 keys of a record and quoting each key was most of the cost of the
 * canonical record, computed for every Check. The sorted order and the quoted keys depend only
 * on the record's key list, which is compared in full (same keys, same order) before a cached
 * layout is used; values are always read from the record itself. The text is the one
 * `canonicalJson({ ...record } without omitted)` writes, byte for byte.
 */
export function createLayoutCanonicalizer(omitted: string): (record: Readonly<Record<string, unknown>>) => string {
  const layouts: Layout[] = [];

  const layoutOf = (keys: readonly string[]): Layout => {
    for (const layout of layouts) if (sameKeys(layout.keys, keys)) return layout;
    const sorted = keys.filter((key) => key !== omitted).sort();
    const layout: Layout = { keys, sorted, prefixes: sorted.map((key, i) => `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`) };
    if (layouts.length >= MAX_LAYOUTS) layouts.shift();
    layouts.push(layout);
    return layout;
  };

  return (record) => {
    const { sorted, prefixes } = layoutOf(Object.keys(record));
    if (sorted.length === 0) return '{}';
    let out = '';
    for (let i = 0; i < sorted.length; i++) out += (prefixes[i] as string) + canonicalJson(record[sorted[i] as string]);
    return `${out}}`;
  };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
