/**
 * `text` (the JSON of an object) with `"audit":` and `stampJson` as its last key, or `text` as
 * is without a stamp: how a decision-log line carries its chain link. The gate writes lines this
 * way and `audit verify` rebuilds them this way, so the two cannot drift apart.
 */
export function stampedLine(text: string, stampJson: string | undefined): string {
  if (stampJson === undefined) return text;
  const audit = `"audit":${stampJson}}`;
  return text === '{}' ? `{${audit}` : `${text.slice(0, -1)},${audit}`;
}
