/**
 * Whether a body begins, after an optional UTF-8 byte order mark and JSON whitespace, with `{`:
 * a body any JSON reader may take for an object, whatever its Content-Type says (Laravel reads a
 * body as JSON by a `/json` anywhere in the type, body-parser strips a BOM, and the gate's own
 * mapping parses a `{` body under any type).
 */
export function startsLikeJsonObject(bytes: Uint8Array | undefined): boolean {
  if (bytes === undefined) return false;
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b;
  }
  return false;
}
