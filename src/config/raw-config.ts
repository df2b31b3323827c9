/**
 * The shape of `dutygate.yaml` once it passed CONFIG_SCHEMA: snake_case, durations still
 * strings, paths still as written. Only build-config.ts reads it; nothing else sees raw YAML.
 */

/** One entry of `identity.issuers` or `approvers.issuers`. */
export interface RawIssuer {
  name?: string;
  issuer: string;
  audience: string | string[];
  jwks_file?: string;
  jwks_url?: string;
  algorithms?: string[];
  jwks_cache_ttl?: string;
  jwks_cooldown?: string;
  jwks_timeout?: string;
  jwks_max_stale?: string;
  delegation?: 'chain' | 'act';
}

/** A `grpc` or `http` section. */
export interface RawListen {
  host?: string;
  port?: number;
}

/** The `state` section: the keys of both drivers, sorted out by check-rules.ts. */
export interface RawState {
  driver?: 'memory' | 'redis';
  max_jti_entries?: number;
  ledger_ttl?: string;
  url?: string;
  cluster?: string[];
  prefix?: string;
  timeout?: string;
  durability?: 'none' | 'wait';
}

/** The whole document. */
export interface RawConfig {
  grpc?: RawListen;
  http?: RawListen & { public_url?: string };
  identity: { issuers: RawIssuer[]; home_issuer?: string; max_token_lifetime?: string; clock_skew?: string; max_chain_depth?: number };
  approvers?: { issuers?: RawIssuer[]; max_token_lifetime?: string };
  state?: RawState;
  policy: { file: string; watch?: boolean; keep_versions?: number };
  admin?: { token?: string; token_file?: string };
  authzen?: { token?: string; token_file?: string; pdp_url?: string; max_evaluations?: number };
  overrides?: { signing_key_file: string; ttl?: string; deployment?: string };
  slack?: { bot_token: string; signing_secret: string; channel: string; api_url?: string; post_rate?: { per_second?: number; burst?: number; max_queued?: number } };
  principals?: { aliases?: Record<string, string> };
  limits?: {
    max_body_bytes?: number;
    max_json_depth?: number;
    max_header_bytes?: number;
    max_token_bytes?: number;
    check_timeout?: string;
    max_identifier_length?: number;
    max_tool_name_length?: number;
    tool_name_extra_chars?: string;
    method_override?: 'deny' | 'strip';
    max_in_flight?: number;
    max_queued?: number;
    admission_reserve?: string;
    max_pending_approvals?: number;
    max_ledger_entries_per_actor?: number;
  };
  audit?: { decision_log?: string; chain?: boolean; span_record?: boolean; chain_buffer?: number; checkpoints?: { signing_key_file: string; interval?: string } };
  log?: { level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
}
