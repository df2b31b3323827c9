import { parseDuration } from '../yaml/duration.js';
import type { TimeWindow } from './read-decision-log.js';

/**
 * Parses `--since` / `--until`: an RFC 3339 time (`2026-11-21T10:00:00Z`, or a date
 * `2026-11-21`, UTC), or a duration back from `now` (`24h`, `7d`, `90m`).
 *
 * @throws Error naming the option and the accepted forms.
 */
export function parseWindow(options: { since?: string; until?: string }, now: number): TimeWindow {
  const since = options.since === undefined ? undefined : parseInstant('--since', options.since, now);
  const until = options.until === undefined ? undefined : parseInstant('--until', options.until, now);
  if (since !== undefined && until !== undefined && since >= until) throw new Error('--since must be before --until');
  return { ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) };
}

function parseInstant(option: string, text: string, now: number): number {
  const ago = parseDuration(text);
  if (ago !== undefined) return now - ago;
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return at;
  }
  throw new Error(`${option} must be an RFC 3339 time (2026-11-21T10:00:00Z), a date (2026-11-21) or a duration back from now (24h, 7d); got '${text}'`);
}
