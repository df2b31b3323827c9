/**
 * The typed, frozen result of loading `dutygate.yaml` (docs/design.md §8). Durations are milliseconds,
 * paths are absolute (resolved against the config file's folder). The request path never sees
 * raw YAML.
 */

/** A trusted token issuer (agents or approvers). */
export interface IssuerConfig {
  /**
   * Agent issuers: the issuer's namespace name (docs/design.md §2), spelled into its agents'
   * principals (`partner|finance-a`) and named by the policy's `issuers:` condition. Required
   * with several agent issuers; a sole issuer defaults to `default`. Unused for approver issuers.
   */
  readonly name?: string;
  readonly issuer: string;
  readonly audience: string | readonly string[];
  /** Absolute path of a JWKS file; exactly one of jwksFile / jwksUrl is set. */
  readonly jwksFile?: string;
  readonly jwksUrl?: string;
  /** Algorithm allow-list; default `[EdDSA]`. Never `none` or HS*. */
  readonly algorithms: readonly string[];
  /** JWKS URL cache lifetime (default 10m). */
  readonly jwksCacheMs: number;
  /** Minimum interval between re-fetches triggered by an unknown `kid` (default 30s). */
  readonly jwksCooldownMs: number;
  /** JWKS URL fetch timeout (default 2s). */
  readonly jwksTimeoutMs: number;
  /**
   * How long past its cache lifetime the last good key set keeps verifying while the URL cannot
   * be fetched (default 1h); then tokens are refused KEYS_UNAVAILABLE until a fetch succeeds.
   */
  readonly jwksMaxStaleMs: number;
  /**
   * How this issuer's agent tokens express delegation (default `chain`): `chain` — parent claims
   * and the `x-agent-chain` header; `act` — nested RFC 8693 `act` claims in the token itself.
   */
  readonly delegation?: 'chain' | 'act';
}

export interface ListenConfig {
  readonly host: string;
  readonly port: number;
}

export interface IdentityConfig {
  readonly issuers: readonly IssuerConfig[];
  /**
   * The name of the issuer whose agents keep their bare `agent_id` as principal (the
   * first-party issuer); every other issuer's agents are `<name>|<agent_id>`. Defaults to the
   * sole issuer when exactly one is configured; unset with several, every agent is prefixed.
   */
  readonly homeIssuer?: string;
  /** Default 300s. */
  readonly maxTokenLifetimeMs: number;
  /** Default 5s. */
  readonly clockSkewMs: number;
  /** Default 8. */
  readonly maxChainDepth: number;
}

export interface MemoryStateConfig {
  readonly driver: 'memory';
  /** Upper bound on unexpired jti entries (default 1,000,000); when full, checks deny. */
  readonly maxJtiEntries: number;
  /** How long duty-ledger entries are kept (default 30d). */
  readonly ledgerTtlMs: number;
}

export interface RedisStateConfig {
  readonly driver: 'redis';
  readonly url?: string;
  /** Redis Cluster seed nodes as `host:port`. Exactly one of url / cluster. */
  readonly cluster?: readonly string[];
  /** Key prefix (default `dutygate:`). */
  readonly prefix: string;
  /** Per-command deadline (default 50ms). */
  readonly timeoutMs: number;
  readonly ledgerTtlMs: number;
  /**
   * `wait`: every write (jti claims, ledger commits, approval changes, audit appends) is
   * acknowledged only once a replica holds it (`WAIT 1 <timeout>`), so a failover cannot take
   * it back; `none` (default): asynchronous replication (docs/design.md §9). Absent means none.
   */
  readonly durability?: 'none' | 'wait';
}

export type StateConfig = MemoryStateConfig | RedisStateConfig;

export interface PolicyConfig {
  /** Absolute path. */
  readonly file: string;
  /** Hot reload on change (default true). */
  readonly watch: boolean;
  /** Good versions kept for rollback (default 10). */
  readonly keepVersions: number;
}

/** Policy administration (versions, rollback) on the HTTP port; exactly one of token / tokenFile. */
export interface AdminConfig {
  /** The admin bearer token, inline (usually `${VAR}`). */
  readonly token?: string;
  /** Absolute path of a file holding the admin token. */
  readonly tokenFile?: string;
}

/**
 * The AuthZEN Authorization API on the HTTP port (README "AuthZEN"); on when configured.
 * PEPs authenticate with a bearer token: exactly one of token / tokenFile.
 */
export interface AuthzenConfig {
  readonly token?: string;
  /** Absolute path of a file holding the PEP token. */
  readonly tokenFile?: string;
  /** The `policy_decision_point` identifier published in the metadata (default: the HTTP public URL). */
  readonly pdpUrl?: string;
  /** Most evaluations in one `/access/v1/evaluations` request (default 16). */
  readonly maxEvaluations: number;
}

export interface OverridesConfig {
  /** Absolute path of dutygate's private EdDSA JWK. */
  readonly signingKeyFile: string;
  /** Default 10m. */
  readonly ttlMs: number;
  /** Name bound into every override token (default `default`): distinct per deployment sharing a key file. */
  readonly deployment: string;
}

export interface SlackConfig {
  readonly botToken: string;
  readonly signingSecret: string;
  readonly channel: string;
  /** Default `https://slack.com/api/`. */
  readonly apiUrl: string;
  /** Approval posts per channel: a token bucket (1/s, burst 5) and a queue of 100 beyond which posts are dropped. */
  readonly postRate: { readonly perSecond: number; readonly burst: number; readonly maxQueued: number };
}

/** Bounds on untrusted input (defaults in parentheses). */
export interface LimitsConfig {
  /** Largest request body parsed (64 KiB). Larger → BODY_TOO_LARGE. */
  readonly maxBodyBytes: number;
  /** Deepest JSON nesting accepted (32). */
  readonly maxJsonDepth: number;
  /** Total bytes of all request header names and values (64 KiB). */
  readonly maxHeaderBytes: number;
  /** Largest single token accepted, bearer or chain link (8 KiB). */
  readonly maxTokenBytes: number;
  /** Deadline of one Check inside the gate; past it the check denies (150ms). */
  readonly checkTimeoutMs: number;
  /** Longest `agent_id`, `parent_agent_id`, `parent_jti`, `initiator`, `jti`, `sub` (128). */
  readonly maxIdentifierLength: number;
  /** Longest MCP tool name (128, the MCP spec's guidance). Longer → MCP_TOOL_NAME. */
  readonly maxToolNameLength: number;
  /** Printable ASCII characters allowed in MCP tool names besides `A-Z a-z 0-9 _ - . /` (""). */
  readonly toolNameExtraChars: string;
  /**
   * `X-HTTP-Method-Override`, `X-HTTP-Method`, `X-Method-Override` or a `_method` query param:
   * `deny` (METHOD_OVERRIDE, default) or `strip` them before the upstream sees them. A `_method`
   * in a form or JSON body cannot be stripped and is denied either way.
   */
  readonly methodOverride: 'deny' | 'strip';
  /** Checks running the pipeline at once (32); more wait in line (src/check/admission.ts). */
  readonly maxInFlight: number;
  /** Checks waiting in line (1000); beyond it they are shed at once with OVERLOADED. */
  readonly maxQueued: number;
  /**
   * A Check starts, and spends its token, only while at least this much of its deadline is left
   * (a third of checkTimeoutMs); otherwise it is shed with OVERLOADED, its token unspent.
   */
  readonly admissionReserveMs: number;
  /**
   * Pending approvals one agent, and one initiator, may have at once (20). A fresh
   * approval_needed call beyond it is denied APPROVAL_LIMIT: no record, no Slack post.
   */
  readonly maxPendingApprovals: number;
  /**
   * Live duty-ledger entries one agent, one chain root (for its whole subtree) and one initiator
   * may hold (100,000). A call that would record a new entry beyond it is denied LEDGER_LIMIT,
   * so no one actor can fill the ledger that every actor's duty steps need.
   */
  readonly maxLedgerEntriesPerActor: number;
}

/** The audit record: decision log sink and tamper-evident chain (issue 5). */
export interface AuditConfig {
  /** `stdout` (default), `off`, or an absolute file path appended to. */
  readonly decisionLog: { readonly sink: 'stdout' } | { readonly sink: 'off' } | { readonly sink: 'file'; readonly file: string };
  /** Seal every record into the hash chain kept in the state store (default true). */
  readonly chain: boolean;
  /**
   * Carry the exact canonical record on each span as `dutygate.audit.record`, so spans alone
   * verify against the chain (default true). Off, spans keep their attributes and chain link
   * (seq, hash, prev_hash) and the record stays in the decision log: about 1 KB less per span
   * and ~5–10 % less CPU per Check (README "Performance").
   */
  readonly spanRecord: boolean;
  /**
   * Records waiting for their chain link while the state store is away (default 10000): the
   * store retries them in order until they land; beyond this many, records are written
   * without a link, counted and alarmed (docs/design.md §7).
   */
  readonly chainBuffer: number;
  /**
   * Signed checkpoints of the chain head (issue 17): written to the decision log and as a span
   * every `intervalMs` (default 1m, skipped while the head has not moved) and on shutdown.
   * Signed with a dedicated audit key, not the override key: the override key mints passes
   * through the gate, the audit key only attests, so each can be rotated or handed out (its
   * public half to auditors) without touching the other. Absent: no checkpoints.
   */
  readonly checkpoints?: { readonly signingKeyFile: string; readonly intervalMs: number };
}

export interface GateConfig {
  /** Absolute path of the config file this came from. */
  readonly source: string;
  readonly grpc: ListenConfig;
  /** `publicUrl`: base of the `status_url` agents poll (default: derived from the listener). */
  readonly http: ListenConfig & { readonly publicUrl?: string };
  readonly identity: IdentityConfig;
  /** `maxTokenLifetimeMs`: largest `exp - iat` of an approver token (default 1h). */
  readonly approvers: { readonly issuers: readonly IssuerConfig[]; readonly maxTokenLifetimeMs: number };
  readonly state: StateConfig;
  readonly policy: PolicyConfig;
  readonly admin?: AdminConfig;
  readonly authzen?: AuthzenConfig;
  readonly overrides?: OverridesConfig;
  readonly slack?: SlackConfig;
  readonly principals: { readonly aliases: Readonly<Record<string, string>> };
  readonly limits: LimitsConfig;
  readonly audit: AuditConfig;
  /** pino level (default `info`). */
  readonly log: { readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
}
