/**
 * Resolves a principal through `principals.aliases` so that one person's accounts compare
 * equal (`slack:U0ALICE` → `sso:alice`). Follows at most a few hops to stay safe on cycles.
 */
export function resolvePrincipal(aliases: Readonly<Record<string, string>>, principal: string): string {
  let current = principal;
  for (let hop = 0; hop < 4; hop++) {
    const next = Object.hasOwn(aliases, current) ? aliases[current] : undefined;
    if (next === undefined || next === current) return current;
    current = next;
  }
  return current;
}
