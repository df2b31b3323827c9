/**
 * Durations in config and policy files: a positive integer with a unit, `ms`, `s`, `m`, `h`
 * or `d` (`300s`, `10m`, `50ms`). Bare numbers are refused on purpose: `ttl: 15` is ambiguous.
 */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;

/** The JSON-Schema pattern a duration string must match (used in schemas for early errors). */
export const DURATION_PATTERN = DURATION.source;

/** Parses a duration into milliseconds, or returns undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * (UNIT_MS[unit as string] as number);
}
