import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../log/logger.js';

/**
 * Bolt's and the Web API client's logger interface over the gate's pino logger, so Slack's
 * messages become JSON lines like everything else (no console output). Slack's debug output
 * (request bodies) goes to pino's `trace`.
 */
export function createSlackLogger(log: Logger): SlackLogger {
  const child = log.child({ component: 'slack' });
  const text = (parts: unknown[]) => parts.map((part) => (part instanceof Error ? part.message : typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...parts: unknown[]) => child.trace(text(parts)),
    info: (...parts: unknown[]) => child.info(text(parts)),
    warn: (...parts: unknown[]) => child.warn(text(parts)),
    error: (...parts: unknown[]) => child.error(text(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
