import type { SchemaObject } from 'ajv';
import { ISSUER_NAME_PATTERN } from '../lib/issuer-name.js';
import { DURATION_PATTERN } from '../yaml/duration.js';
import { ALLOWED_ALGORITHMS, LOG_LEVELS, MAX_CHAIN_DEPTH_LIMIT } from './defaults.js';

/** The keys whose values are durations, so that issue messages can speak of durations. */
export const DURATION_KEYS: ReadonlySet<string> = new Set([
  'jwks_cache_ttl',
  'jwks_cooldown',
  'jwks_max_stale',
  'jwks_timeout',
  'max_token_lifetime',
  'clock_skew',
  'ledger_ttl',
  'timeout',
  'ttl',
  'check_timeout',
  'interval',
  'admission_reserve',
]);

/** Wording of a duration in messages; the schema's `description` is what the message shows. */
export const DURATION_DESCRIPTION = 'a duration such as 300s, 10m or 50ms';

const duration = { type: 'string', pattern: DURATION_PATTERN, description: DURATION_DESCRIPTION };
const text = { type: 'string', minLength: 1 };
const positiveInteger = { type: 'integer', minimum: 1 };

const listen = {
  type: 'object',
  additionalProperties: false,
  properties: { host: text, port: { type: 'integer', minimum: 0, maximum: 65535 } },
};

// "Exactly one of jwks_file / jwks_url" and the URL scheme are checked in check-issuers.ts,
// where the message can say which; a oneOf here would only say "must match exactly one schema".
const issuerName = {
  type: 'string',
  pattern: ISSUER_NAME_PATTERN.source,
  description: 'a lower-case name such as partner (a-z first, then a-z, 0-9, _ or -; at most 32)',
};

const issuer = {
  type: 'object',
  additionalProperties: false,
  required: ['issuer', 'audience'],
  properties: {
    // Agent issuers only (check-issuers.ts): the namespace of the issuer's agents (docs/design.md §2).
    name: issuerName,
    issuer: text,
    audience: { anyOf: [text, { type: 'array', minItems: 1, items: text }] },
    jwks_file: text,
    jwks_url: text,
    algorithms: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...ALLOWED_ALGORITHMS] } },
    jwks_cache_ttl: duration,
    jwks_cooldown: duration,
    jwks_timeout: duration,
    jwks_max_stale: duration,
    // Agent issuers only (check-issuers.ts): chain = x-agent-chain, act = RFC 8693 nested act claims.
    delegation: { type: 'string', enum: ['chain', 'act'] },
  },
};

const issuers = { type: 'array', items: issuer };

/**
 * JSON Schema of `dutygate.yaml` (docs/design.md §8): structure and types only. Defaults live in
 * defaults.ts, cross-field rules (which need several values at once) in check-rules.ts.
 * `additionalProperties: false` everywhere but `principals.aliases`, a map whose keys are
 * principals (checked in check-rules.ts). `state` lists the keys of both drivers; which
 * belongs to which is a cross-field rule, so that the message can name the driver.
 */
export const CONFIG_SCHEMA: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['identity', 'policy'],
  properties: {
    grpc: listen,
    http: { ...listen, properties: { ...listen.properties, public_url: text } },
    identity: {
      type: 'object',
      additionalProperties: false,
      required: ['issuers'],
      properties: {
        issuers: { ...issuers, minItems: 1 },
        home_issuer: issuerName,
        max_token_lifetime: duration,
        clock_skew: duration,
        max_chain_depth: { type: 'integer', minimum: 1, maximum: MAX_CHAIN_DEPTH_LIMIT },
      },
    },
    approvers: { type: 'object', additionalProperties: false, properties: { issuers, max_token_lifetime: duration } },
    state: {
      type: 'object',
      additionalProperties: false,
      properties: {
        driver: { type: 'string', enum: ['memory', 'redis'] },
        max_jti_entries: positiveInteger,
        ledger_ttl: duration,
        url: text,
        cluster: { type: 'array', minItems: 1, items: text },
        prefix: text,
        timeout: duration,
        durability: { type: 'string', enum: ['none', 'wait'] },
      },
    },
    policy: {
      type: 'object',
      additionalProperties: false,
      required: ['file'],
      properties: { file: text, watch: { type: 'boolean' }, keep_versions: { type: 'integer', minimum: 1, maximum: 1000 } },
    },
    // Exactly one of token / token_file is a cross-field rule (check-rules.ts).
    admin: {
      type: 'object',
      additionalProperties: false,
      properties: { token: text, token_file: text },
    },
    // The AuthZEN PDP (README "AuthZEN"): on when present; exactly one of token / token_file.
    authzen: {
      type: 'object',
      additionalProperties: false,
      properties: { token: text, token_file: text, pdp_url: text, max_evaluations: { type: 'integer', minimum: 1, maximum: 256 } },
    },
    overrides: {
      type: 'object',
      additionalProperties: false,
      required: ['signing_key_file'],
      // deployment: bound into every override token (README "Override tokens"); deployments that
      // share a key file and a policy version tell their tokens apart by it.
      properties: { signing_key_file: text, ttl: duration, deployment: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' } },
    },
    slack: {
      type: 'object',
      additionalProperties: false,
      required: ['bot_token', 'signing_secret', 'channel'],
      properties: {
        bot_token: text,
        signing_secret: text,
        channel: text,
        api_url: text,
        // Pace of approval posts per channel (README "Slack"): a token bucket and a bounded queue.
        post_rate: {
          type: 'object',
          additionalProperties: false,
          properties: {
            per_second: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
            burst: { type: 'integer', minimum: 1, maximum: 1000 },
            max_queued: { type: 'integer', minimum: 0, maximum: 100000 },
          },
        },
      },
    },
    principals: {
      type: 'object',
      additionalProperties: false,
      properties: { aliases: { type: 'object', additionalProperties: text } },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_body_bytes: positiveInteger,
        max_json_depth: positiveInteger,
        max_header_bytes: positiveInteger,
        max_token_bytes: positiveInteger,
        check_timeout: duration,
        max_identifier_length: { type: 'integer', minimum: 1, maximum: 1024 },
        max_tool_name_length: { type: 'integer', minimum: 1, maximum: 1024 },
        // Printable ASCII only: the point of the rule is that a tool name cannot hide anything.
        tool_name_extra_chars: { type: 'string', pattern: '^[!-~]*$', maxLength: 32 },
        method_override: { enum: ['deny', 'strip'] },
        max_in_flight: positiveInteger,
        max_queued: positiveInteger,
        admission_reserve: duration,
        max_pending_approvals: { type: 'integer', minimum: 1, maximum: 10_000 },
        max_ledger_entries_per_actor: { type: 'integer', minimum: 1, maximum: 100_000_000 },
      },
    },
    audit: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // `stdout`, `off`, or a file path (appended to): a string either way.
        decision_log: text,
        chain: { type: 'boolean' },
        span_record: { type: 'boolean' },
        chain_buffer: positiveInteger,
        checkpoints: {
          type: 'object',
          additionalProperties: false,
          required: ['signing_key_file'],
          properties: { signing_key_file: text, interval: duration },
        },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: { level: { type: 'string', enum: [...LOG_LEVELS] } },
    },
  },
};
