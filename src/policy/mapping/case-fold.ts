/**
 * Unicode simple case folding of object keys, as Go's `encoding/json` compares them.
 *
 * Go's decoder (used by mcp-go, the Go MCP SDK before its fix, and most Go upstreams) matches a
 * JSON key to a struct field case-insensitively with Unicode folding and keeps the LAST match:
 * `{"amount":100,"AMOUNT":9000}` reaches a Go upstream as 9000 while `JSON.parse` shows 100.
 * Two keys that fold equal are therefore refused, never resolved.
 *
 * Each code point is mapped to upper case, then to lower case, and each step is kept only when
 * it yields exactly one code point (simple, not full, folding: `ß` stays `ß`). This joins every
 * simple-folding orbit (`s`/`S`/`ſ`, `k`/`K`/`K` (Kelvin), `ß`/`ẞ`, `ω`/`Ω`/`Ω` (Ohm)) and Go's
 * `ToUpper`-based field folding (`ı` → `I`): it may join a little more than Go does, which only
 * refuses more. Sources: Go `encoding/json` fold.go; Unicode CaseFolding.txt, status C and S.
 */

/** The folded form of `key`; two keys collide when their folded forms are equal. */
export function foldKey(key: string): string {
  // Fast path: most keys are ASCII, where simple folding is plain lower-casing.
  if (isAscii(key)) return key.toLowerCase();
  let out = '';
  for (const char of key) out += foldCodePoint(char);
  return out;
}

function foldCodePoint(char: string): string {
  const upper = char.toUpperCase();
  const step = singleCodePoint(upper) ? upper : char;
  const lower = step.toLowerCase();
  return singleCodePoint(lower) ? lower : step;
}

function singleCodePoint(text: string): boolean {
  const first = text.codePointAt(0);
  return first !== undefined && text.length === (first > 0xffff ? 2 : 1);
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
