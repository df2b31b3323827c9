/**
 * Well-formedness of untrusted strings: the checks shared by token claims (identifiers), MCP
 * tool names and JSON bodies. No I/O, no imports: every layer may use them.
 */

/**
 * True when `text` is well-formed UTF-16: every surrogate is half of a pair. An unpaired one
 * (`"finance-x\ud800"`, e.g. a display name cut mid-emoji) cannot be encoded as UTF-8: Redis's
 * cjson, Go and Envoy refuse or replace it, so it must never reach state or an upstream.
 * (`String.prototype.isWellFormed` is ES2024; the gate targets ES2023.)
 */
export function isWellFormedUtf16(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit > 0xdbff) return false;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/**
 * Control (Cc), format (Cf: bidi overrides and isolates, zero-width characters, the BOM), line
 * and paragraph separators, and every space but U+0020. These make one identifier look like
 * another (`finance-\u202Eadmin`), end it early for C-string readers (`reader-1\0admin`), or are
 * refused by Envoy in a header value.
 */
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/u;

/**
 * Why `value` is not a well-formed identifier (agent ids, principals, jtis), or undefined when
 * it is: non-empty, at most `maxLength` UTF-16 units, printable, well-formed UTF-16, no leading
 * or trailing space.
 */
export function identifierError(value: string, maxLength: number): string | undefined {
  if (value === '') return 'is empty';
  if (value.length > maxLength) return `is longer than ${maxLength} characters`;
  if (!isWellFormedUtf16(value)) return 'holds an unpaired UTF-16 surrogate';
  if (NOT_PRINTABLE.test(value)) return 'holds a control, format (bidi, zero-width) or non-ASCII space character';
  // `sso:carol ` and `sso:carol` would read the same in every log and approval message.
  if (value.startsWith(' ') || value.endsWith(' ')) return 'starts or ends with a space';
  return undefined;
}
