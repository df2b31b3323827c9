import { dirname, resolve } from 'node:path';
import { DEFAULT_ISSUER_NAME } from '../lib/issuer-name.js';
import { parseDuration } from '../yaml/duration.js';
import { deepFreeze } from './deep-freeze.js';
import { CONFIG_DEFAULTS } from './defaults.js';
import type { RawConfig, RawIssuer, RawListen, RawState } from './raw-config.js';
import type { GateConfig, IssuerConfig, ListenConfig, StateConfig } from './types.js';

/**
 * Turns a document that passed the schema and the cross-field rules into the typed, deeply
 * frozen {@link GateConfig}: camelCase keys, defaults filled in, durations in milliseconds,
 * paths absolute (relative ones are relative to the config file's folder, docs/design.md §8).
 * Files are not opened here: the identity and policy loaders report missing ones.
 */
export function buildConfig(raw: RawConfig, source: string): GateConfig {
  const folder = dirname(source);
  const path = (file: string): string => resolve(folder, file);
  const { identity, state, policy, overrides, slack, limits, admin } = raw;
  const defaults = CONFIG_DEFAULTS;
  const config: GateConfig = {
    source,
    grpc: listen(raw.grpc, defaults.grpc),
    http: { ...listen(raw.http, defaults.http), ...(raw.http?.public_url !== undefined && { publicUrl: raw.http.public_url.replace(/\/+$/, '') }) },
    identity: {
      issuers: identity.issuers.map((issuer) => ({
        // A sole issuer may go unnamed; several must be named (check-issuers.ts).
        name: issuer.name ?? DEFAULT_ISSUER_NAME,
        ...buildIssuer(issuer, path),
      })),
      ...homeIssuer(identity),
      maxTokenLifetimeMs: duration(identity.max_token_lifetime, defaults.identity.maxTokenLifetimeMs),
      clockSkewMs: duration(identity.clock_skew, defaults.identity.clockSkewMs),
      maxChainDepth: identity.max_chain_depth ?? defaults.identity.maxChainDepth,
    },
    approvers: {
      issuers: (raw.approvers?.issuers ?? []).map((issuer) => buildIssuer(issuer, path)),
      maxTokenLifetimeMs: duration(raw.approvers?.max_token_lifetime, defaults.approvers.maxTokenLifetimeMs),
    },
    state: buildState(state),
    policy: { file: path(policy.file), watch: policy.watch ?? defaults.policy.watch, keepVersions: policy.keep_versions ?? defaults.policy.keepVersions },
    ...(admin && { admin: admin.token_file !== undefined ? { tokenFile: path(admin.token_file) } : { token: admin.token ?? '' } }),
    ...(raw.authzen && {
      authzen: {
        ...(raw.authzen.token_file !== undefined ? { tokenFile: path(raw.authzen.token_file) } : { token: raw.authzen.token ?? '' }),
        ...(raw.authzen.pdp_url !== undefined && { pdpUrl: raw.authzen.pdp_url.replace(/\/+$/, '') }),
        maxEvaluations: raw.authzen.max_evaluations ?? defaults.authzen.maxEvaluations,
      },
    }),
    ...(overrides && {
      overrides: {
        signingKeyFile: path(overrides.signing_key_file),
        ttlMs: duration(overrides.ttl, defaults.overrides.ttlMs),
        deployment: overrides.deployment ?? defaults.overrides.deployment,
      },
    }),
    ...(slack && {
      slack: {
        botToken: slack.bot_token,
        signingSecret: slack.signing_secret,
        channel: slack.channel,
        // Method names are appended to the base (`chat.postMessage`), so it must end in '/'.
        apiUrl: withTrailingSlash(slack.api_url ?? defaults.slack.apiUrl),
        postRate: {
          perSecond: slack.post_rate?.per_second ?? defaults.slack.postRate.perSecond,
          burst: slack.post_rate?.burst ?? defaults.slack.postRate.burst,
          maxQueued: slack.post_rate?.max_queued ?? defaults.slack.postRate.maxQueued,
        },
      },
    }),
    principals: { aliases: { ...raw.principals?.aliases } },
    limits: {
      maxBodyBytes: limits?.max_body_bytes ?? defaults.limits.maxBodyBytes,
      maxJsonDepth: limits?.max_json_depth ?? defaults.limits.maxJsonDepth,
      maxHeaderBytes: limits?.max_header_bytes ?? defaults.limits.maxHeaderBytes,
      maxTokenBytes: limits?.max_token_bytes ?? defaults.limits.maxTokenBytes,
      checkTimeoutMs: duration(limits?.check_timeout, defaults.limits.checkTimeoutMs),
      maxIdentifierLength: limits?.max_identifier_length ?? defaults.limits.maxIdentifierLength,
      maxToolNameLength: limits?.max_tool_name_length ?? defaults.limits.maxToolNameLength,
      toolNameExtraChars: limits?.tool_name_extra_chars ?? defaults.limits.toolNameExtraChars,
      methodOverride: limits?.method_override ?? defaults.limits.methodOverride,
      maxInFlight: limits?.max_in_flight ?? defaults.limits.maxInFlight,
      maxQueued: limits?.max_queued ?? defaults.limits.maxQueued,
      maxPendingApprovals: limits?.max_pending_approvals ?? defaults.limits.maxPendingApprovals,
      maxLedgerEntriesPerActor: limits?.max_ledger_entries_per_actor ?? defaults.limits.maxLedgerEntriesPerActor,
      admissionReserveMs: duration(limits?.admission_reserve, Math.round(duration(limits?.check_timeout, defaults.limits.checkTimeoutMs) / 3)),
    },
    log: { level: raw.log?.level ?? defaults.log.level },
    audit: {
      decisionLog: decisionLog(raw.audit?.decision_log ?? defaults.audit.decisionLog, path),
      chain: raw.audit?.chain ?? defaults.audit.chain,
      spanRecord: raw.audit?.span_record ?? defaults.audit.spanRecord,
      chainBuffer: raw.audit?.chain_buffer ?? defaults.audit.chainBuffer,
      ...(raw.audit?.checkpoints && {
        checkpoints: { signingKeyFile: path(raw.audit.checkpoints.signing_key_file), intervalMs: duration(raw.audit.checkpoints.interval, defaults.audit.checkpointIntervalMs) },
      }),
    },
  };
  return deepFreeze(config);
}

function buildIssuer(raw: RawIssuer, path: (file: string) => string): IssuerConfig {
  const defaults = CONFIG_DEFAULTS.issuer;
  return {
    issuer: raw.issuer,
    audience: Array.isArray(raw.audience) ? [...raw.audience] : raw.audience,
    ...(raw.jwks_file !== undefined && { jwksFile: path(raw.jwks_file) }),
    ...(raw.jwks_url !== undefined && { jwksUrl: raw.jwks_url }),
    algorithms: [...(raw.algorithms ?? defaults.algorithms)],
    jwksCacheMs: duration(raw.jwks_cache_ttl, defaults.jwksCacheMs),
    jwksCooldownMs: duration(raw.jwks_cooldown, defaults.jwksCooldownMs),
    jwksTimeoutMs: duration(raw.jwks_timeout, defaults.jwksTimeoutMs),
    jwksMaxStaleMs: duration(raw.jwks_max_stale, defaults.jwksMaxStaleMs),
    ...(raw.delegation !== undefined && { delegation: raw.delegation }),
  };
}

/** The home issuer (bare principals): as configured, else the sole issuer (docs/design.md §2). */
function homeIssuer(identity: RawConfig['identity']): { homeIssuer?: string } {
  if (identity.home_issuer !== undefined) return { homeIssuer: identity.home_issuer };
  const [sole, ...others] = identity.issuers;
  return sole !== undefined && others.length === 0 ? { homeIssuer: sole.name ?? DEFAULT_ISSUER_NAME } : {};
}

function buildState(raw: RawState | undefined): StateConfig {
  const defaults = CONFIG_DEFAULTS.state;
  const ledgerTtlMs = duration(raw?.ledger_ttl, defaults.ledgerTtlMs);
  if (raw?.driver !== 'redis') {
    return { driver: 'memory', maxJtiEntries: raw?.max_jti_entries ?? defaults.maxJtiEntries, ledgerTtlMs };
  }
  return {
    driver: 'redis',
    ...(raw.url !== undefined && { url: raw.url }),
    ...(raw.cluster !== undefined && { cluster: [...raw.cluster] }),
    prefix: raw.prefix ?? defaults.prefix,
    timeoutMs: duration(raw.timeout, defaults.timeoutMs),
    ledgerTtlMs,
    durability: raw.durability ?? defaults.durability,
  };
}

function listen(raw: RawListen | undefined, defaults: ListenConfig): ListenConfig {
  return { host: raw?.host ?? defaults.host, port: raw?.port ?? defaults.port };
}

function duration(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  // The schema admitted only DURATION_PATTERN; reaching this is a bug, not a user error.
  if (ms === undefined) throw new Error(`unvalidated duration '${text}'`);
  return ms;
}

/** `stdout` and `off` are sinks; anything else is a file path (write `./off` for a file named off). */
function decisionLog(value: string, path: (file: string) => string): GateConfig['audit']['decisionLog'] {
  if (value === 'stdout' || value === 'off') return { sink: value };
  return { sink: 'file', file: path(value) };
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
