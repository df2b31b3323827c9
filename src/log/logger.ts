import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Keys whose values never reach a log line: tokens, secrets and keys. pino's redaction runs on
 * every object logged, so a careless `log.info({ headers })` cannot leak a bearer token.
 */
const REDACT = [
  'authorization',
  'token',
  'override_token',
  'overrideToken',
  'chain',
  'secret',
  'signing_secret',
  'signingSecret',
  'bot_token',
  'botToken',
  'privateJwk',
  'd',
  '*.authorization',
  '*.token',
  '*.override_token',
  '*.overrideToken',
  '*.secret',
  '*.signingSecret',
  '*.botToken',
  '*.privateJwk',
  'headers["authorization"]',
  'headers["x-agent-chain"]',
  'headers["x-dutygate-override"]',
];

/** Creates the process logger: JSON lines on stdout (or `destination`), secrets redacted. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'dutygate' },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
