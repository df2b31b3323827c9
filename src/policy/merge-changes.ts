import type { CompiledRule } from './compiled.js';
import type { RequestChanges } from './types.js';

/**
 * Merges the `sanitize` changes of every matching allow rule, in policy order. When two rules set
 * the same header (or query key) the earlier rule wins, as in a firewall: order is the policy
 * author's precedence. Removals are the union, minus anything a rule sets — a set value replaces
 * the incoming one anyway, and listing it in both would leave the order of operations to Envoy.
 */
export function mergeChanges(rules: readonly CompiledRule[]): RequestChanges {
  if (rules.length === 1 && rules[0]?.changes) return rules[0].changes;
  // Maps, not object literals: a header named `__proto__` must stay a header.
  const setHeaders = new Map<string, string>();
  const setQuery = new Map<string, string>();
  const removeHeaders = new Set<string>();
  const removeQuery = new Set<string>();
  for (const rule of rules) {
    const changes = rule.changes;
    if (!changes) continue;
    for (const [name, value] of Object.entries(changes.setHeaders)) if (!setHeaders.has(name)) setHeaders.set(name, value);
    for (const [name, value] of Object.entries(changes.setQuery)) if (!setQuery.has(name)) setQuery.set(name, value);
    for (const name of changes.removeHeaders) removeHeaders.add(name);
    for (const name of changes.removeQuery) removeQuery.add(name);
  }
  return {
    setHeaders: Object.fromEntries(setHeaders),
    removeHeaders: [...removeHeaders].filter((name) => !setHeaders.has(name)),
    setQuery: Object.fromEntries(setQuery),
    removeQuery: [...removeQuery].filter((name) => !setQuery.has(name)),
  };
}
