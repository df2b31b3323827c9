import { deepFreeze } from './deep-freeze.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

/**
 * Every default of `dutygate.yaml`, in one place, so that the schema, the builder and the
 * README agree. Durations are milliseconds here; the table gives the YAML spelling.
 *
 * | key                                   | default                  |
 * |---------------------------------------|--------------------------|
 * | `grpc.host` / `grpc.port`             | `0.0.0.0` / `9191`       |
 * | `http.host` / `http.port`             | `0.0.0.0` / `8181`       |
 * | `identity.issuers[].algorithms`       | `[EdDSA]`                |
 * | `identity.issuers[].jwks_cache_ttl`   | `10m`                    |
 * | `identity.issuers[].jwks_cooldown`    | `30s`                    |
 * | `identity.issuers[].jwks_max_stale`   | `1h`                     |
 * | `identity.issuers[].jwks_timeout`     | `2s`                     |
 * | `identity.max_token_lifetime`         | `300s`                   |
 * | `identity.clock_skew`                 | `5s`                     |
 * | `identity.max_chain_depth`            | `8` (at most 32)         |
 * | `approvers.issuers`                   | `[]` (same issuer keys and defaults as identity) |
 * | `approvers.max_token_lifetime`        | `1h`                     |
 * | `http.public_url`                     | `http://<http.host>:<port>` (`127.0.0.1` for a wildcard host) |
 * | `state.driver`                        | `memory`                 |
 * | `state.max_jti_entries` (memory)      | `1000000`                |
 * | `state.ledger_ttl` (memory, redis)    | `30d`                    |
 * | `state.prefix` (redis)                | `dutygate:`              |
 * | `state.timeout` (redis)               | `50ms`                   |
 * | `state.durability` (redis)            | `none` (or `wait`)       |
 * | `policy.watch`                        | `true`                   |
 * | `policy.keep_versions`                | `10`                     |
 * | `overrides.ttl`                       | `10m`                    |
 * | `overrides.deployment`                | `default`                |
 * | `slack.api_url`                       | `https://slack.com/api/` |
 * | `slack.post_rate`                     | `{per_second: 1, burst: 5, max_queued: 100}` per channel |
 * | `authzen.max_evaluations`             | `16`                     |
 * | `principals.aliases`                  | `{}`                     |
 * | `limits.max_body_bytes`               | `65536`                  |
 * | `limits.max_json_depth`               | `32`                     |
 * | `limits.max_header_bytes`             | `65536`                  |
 * | `limits.max_token_bytes`              | `8192`                   |
 * | `limits.check_timeout`                | `150ms`                  |
 * | `limits.max_identifier_length`        | `128`                    |
 * | `limits.max_tool_name_length`         | `128`                    |
 * | `limits.tool_name_extra_chars`        | `""`                     |
 * | `limits.method_override`              | `deny` (or `strip`)      |
 * | `limits.max_in_flight`                | `32`                     |
 * | `limits.max_queued`                   | `1000`                   |
 * | `limits.admission_reserve`            | a third of `check_timeout` |
 * | `limits.max_pending_approvals`        | `20` (per agent and per initiator) |
 * | `limits.max_ledger_entries_per_actor` | `100000` (per agent, chain root and initiator) |
 * | `log.level`                           | `info`                   |
 * | `audit.decision_log`                  | `stdout` (`off`, or a file path) |
 * | `audit.chain`                         | `true`                   |
 * | `audit.span_record`                   | `false` (the span carries the record's hash) |
 * | `audit.chain_buffer`                  | `10000`                  |
 * | `audit.checkpoints.interval`          | `1m`                     |
 *
 * Required: `identity.issuers` (at least one) and `policy.file`. `overrides` and `slack` are
 * optional sections; when present, `overrides.signing_key_file` and `slack.bot_token`,
 * `slack.signing_secret`, `slack.channel` are required.
 */
export const CONFIG_DEFAULTS = deepFreeze({
  grpc: { host: '0.0.0.0', port: 9191 },
  http: { host: '0.0.0.0', port: 8181 },
  issuer: { algorithms: ['EdDSA'], jwksCacheMs: 10 * MINUTE, jwksCooldownMs: 30 * SECOND, jwksTimeoutMs: 2 * SECOND, jwksMaxStaleMs: 60 * MINUTE },
  identity: { maxTokenLifetimeMs: 300 * SECOND, clockSkewMs: 5 * SECOND, maxChainDepth: 8 },
  approvers: { maxTokenLifetimeMs: 60 * MINUTE },
  state: { driver: 'memory', maxJtiEntries: 1_000_000, ledgerTtlMs: 30 * DAY, prefix: 'dutygate:', timeoutMs: 50, durability: 'none' },
  policy: { watch: true, keepVersions: 10 },
  overrides: { ttlMs: 10 * MINUTE, deployment: 'default' },
  // Slack documents about one chat.postMessage per second per channel, with short bursts.
  slack: { apiUrl: 'https://slack.com/api/', postRate: { perSecond: 1, burst: 5, maxQueued: 100 } },
  authzen: { maxEvaluations: 16 },
  limits: {
    maxBodyBytes: 65_536,
    maxJsonDepth: 32,
    maxHeaderBytes: 65_536,
    maxTokenBytes: 8_192,
    checkTimeoutMs: 150,
    maxIdentifierLength: 128,
    maxToolNameLength: 128,
    toolNameExtraChars: '',
    methodOverride: 'deny',
    maxInFlight: 32,
    maxQueued: 1_000,
    admissionReserveMs: 50,
    maxPendingApprovals: 20,
    maxLedgerEntriesPerActor: 100_000,
  },
  log: { level: 'info' },
  audit: { decisionLog: 'stdout', chain: true, spanRecord: false, chainBuffer: 10_000, checkpointIntervalMs: MINUTE },
} as const);

/** Upper bound of `identity.max_chain_depth`: each link costs a signature check inside Check. */
export const MAX_CHAIN_DEPTH_LIMIT = 32;

/**
 * The JWS algorithms an issuer may list: asymmetric only. `none` proves nothing, and HMAC
 * (HS*) would make the verification key a signing key (RFC 8725 §3.1, §3.2).
 */
export const ALLOWED_ALGORITHMS = Object.freeze([
  'EdDSA',
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
] as const);

/** pino levels accepted by `log.level`. */
export const LOG_LEVELS = Object.freeze(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const);
