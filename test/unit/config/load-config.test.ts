import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../src/config/load-config.js';
import { CONFIG_SCHEMA } from '../../../src/config/schema.js';
import type { GateConfig, IssuerConfig } from '../../../src/config/types.js';
import { BASE, FILE } from './fixtures.js';

/** docs/design.md §8, verbatim. */
const DESIGN_EXAMPLE = `grpc: { host: 0.0.0.0, port: 9191 }
http: { host: 0.0.0.0, port: 8181 }
identity:
  issuers:
    - issuer: https://tokens.agents.example
      audience: dutygate
      jwks_file: ./keys/agents.jwks.json      # or jwks_url: https://…/jwks.json
      algorithms: [EdDSA]
  max_token_lifetime: 300s
  clock_skew: 5s
  max_chain_depth: 8
approvers:
  issuers:
    - issuer: https://sso.example
      audience: dutygate-approvals
      jwks_file: ./keys/approvers.jwks.json
state: { driver: memory }                      # or { driver: redis, url: redis://127.0.0.1:6379 }
policy: { file: ./policy.yaml, watch: true }
overrides: { signing_key_file: ./keys/override.jwk.json, ttl: 10m }
slack:                                         # optional; without it, approvals use the HTTP API
  bot_token: \${SLACK_BOT_TOKEN}
  signing_secret: \${SLACK_SIGNING_SECRET}
  channel: C0APPROVALS
  api_url: https://slack.com/api/               # optional (GovSlack, or a local fake in tests)
principals:
  aliases:                                     # one person, several principals
    "slack:U0ALICE": "sso:alice"
`;

const JWKS_DEFAULTS = { algorithms: ['EdDSA'], jwksCacheMs: 600_000, jwksCooldownMs: 30_000, jwksTimeoutMs: 2_000, jwksMaxStaleMs: 3_600_000 };
const issuer = (fields: Partial<IssuerConfig> & Pick<IssuerConfig, 'issuer' | 'audience'>): IssuerConfig => ({ ...JWKS_DEFAULTS, ...fields });

/** Everything BASE leaves to the defaults. */
const DEFAULTS: Omit<GateConfig, 'source' | 'identity' | 'policy'> = {
  grpc: { host: '0.0.0.0', port: 9191 },
  http: { host: '0.0.0.0', port: 8181 },
  approvers: { issuers: [], maxTokenLifetimeMs: 3_600_000 },
  state: { driver: 'memory', maxJtiEntries: 1_000_000, ledgerTtlMs: 2_592_000_000 },
  principals: { aliases: {} },
  limits: { maxBodyBytes: 65_536, maxJsonDepth: 32, maxHeaderBytes: 65_536, maxTokenBytes: 8_192, checkTimeoutMs: 150, maxIdentifierLength: 128, maxToolNameLength: 128, toolNameExtraChars: '', methodOverride: 'deny', maxInFlight: 32, maxQueued: 1_000, admissionReserveMs: 50, maxPendingApprovals: 20, maxLedgerEntriesPerActor: 100_000 },
  log: { level: 'info' },
  audit: { decisionLog: { sink: 'stdout' }, chain: true, spanRecord: false, chainBuffer: 10_000 },
};

describe('parseConfig', () => {
  it('parses the docs/design.md §8 example', () => {
    const config = parseConfig(DESIGN_EXAMPLE, FILE, { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'shh' });
    expect(config).toEqual({
      ...DEFAULTS,
      source: FILE,
      identity: {
        issuers: [issuer({ name: 'default', issuer: 'https://tokens.agents.example', audience: 'dutygate', jwksFile: '/etc/dutygate/keys/agents.jwks.json' })],
        homeIssuer: 'default',
        maxTokenLifetimeMs: 300_000,
        clockSkewMs: 5_000,
        maxChainDepth: 8,
      },
      approvers: {
        issuers: [issuer({ issuer: 'https://sso.example', audience: 'dutygate-approvals', jwksFile: '/etc/dutygate/keys/approvers.jwks.json' })],
        maxTokenLifetimeMs: 3_600_000,
      },
      policy: { file: '/etc/dutygate/policy.yaml', watch: true, keepVersions: 10 },
      overrides: { signingKeyFile: '/etc/dutygate/keys/override.jwk.json', ttlMs: 600_000, deployment: 'default' },
      slack: { botToken: 'xoxb-test', signingSecret: 'shh', channel: 'C0APPROVALS', apiUrl: 'https://slack.com/api/', postRate: { perSecond: 1, burst: 5, maxQueued: 100 } },
      principals: { aliases: { 'slack:U0ALICE': 'sso:alice' } },
    } satisfies GateConfig);
  });

  it('reads slack.post_rate, each key defaulting on its own (1/s, burst 5, queue 100)', () => {
    const slack = (rate: string) => parseConfig(`${BASE}slack: { bot_token: a, signing_secret: b, channel: c${rate} }\n`, FILE, {}).slack?.postRate;
    expect(slack('')).toEqual({ perSecond: 1, burst: 5, maxQueued: 100 });
    expect(slack(', post_rate: { per_second: 0.5 }')).toEqual({ perSecond: 0.5, burst: 5, maxQueued: 100 });
    expect(slack(', post_rate: { per_second: 3, burst: 10, max_queued: 0 }')).toEqual({ perSecond: 3, burst: 10, maxQueued: 0 });
  });

  it('fills in every default', () => {
    expect(parseConfig(BASE, FILE, {})).toEqual({
      ...DEFAULTS,
      source: FILE,
      identity: {
        issuers: [issuer({ name: 'default', issuer: 'https://tokens.example', audience: 'dutygate', jwksFile: '/etc/dutygate/keys.json' })],
        homeIssuer: 'default',
        maxTokenLifetimeMs: 300_000,
        clockSkewMs: 5_000,
        maxChainDepth: 8,
      },
      policy: { file: '/etc/dutygate/policy.yaml', watch: true, keepVersions: 10 },
    } satisfies GateConfig);
  });

  it('maps every other key (redis, limits, lists, jwks_url)', () => {
    const text = `identity:
  issuers:
    - issuer: a
      audience: [x, y]
      jwks_url: https://a.example/jwks
      algorithms: [ES256, PS512]
      jwks_cache_ttl: 1h
      jwks_cooldown: 1m
      jwks_timeout: 500ms
  max_token_lifetime: 10m
  clock_skew: 0s
  max_chain_depth: 32
state: { driver: redis, cluster: ["r0:6379", "[::1]:7000"], prefix: "app:", timeout: 20ms, ledger_ttl: 7d, durability: wait }
policy: { file: p.yaml, watch: false }
slack: { bot_token: t, signing_secret: s, channel: c, api_url: "http://127.0.0.1:3000/api" }
limits: { max_body_bytes: 1, max_json_depth: 2, max_header_bytes: 3, max_token_bytes: 4, check_timeout: 5ms, max_identifier_length: 64, max_tool_name_length: 200, tool_name_extra_chars: ":@", method_override: strip }
log: { level: silent }
`;
    const config = parseConfig(text, FILE, {});
    expect(config.identity).toEqual({
      issuers: [{ name: 'default', issuer: 'a', audience: ['x', 'y'], jwksUrl: 'https://a.example/jwks', algorithms: ['ES256', 'PS512'], jwksCacheMs: 3_600_000, jwksCooldownMs: 60_000, jwksTimeoutMs: 500, jwksMaxStaleMs: 3_600_000 }],
      homeIssuer: 'default',
      maxTokenLifetimeMs: 600_000,
      clockSkewMs: 0,
      maxChainDepth: 32,
    });
    expect(config.state).toEqual({ driver: 'redis', cluster: ['r0:6379', '[::1]:7000'], prefix: 'app:', timeoutMs: 20, ledgerTtlMs: 604_800_000, durability: 'wait' });
    expect(config.policy.watch).toBe(false);
    // Slack method names are appended to the base, so it always ends in '/'.
    expect(config.slack?.apiUrl).toBe('http://127.0.0.1:3000/api/');
    expect(config.limits).toEqual({ maxBodyBytes: 1, maxJsonDepth: 2, maxHeaderBytes: 3, maxTokenBytes: 4, checkTimeoutMs: 5, maxIdentifierLength: 64, maxToolNameLength: 200, toolNameExtraChars: ':@', methodOverride: 'strip', maxInFlight: 32, maxQueued: 1_000, admissionReserveMs: 2, maxPendingApprovals: 20, maxLedgerEntriesPerActor: 100_000 });
    expect(config.log.level).toBe('silent');
    expect(parseConfig(`${BASE}state: { driver: redis, url: "rediss://r:6380" }\n`, FILE, {}).state).toEqual({ driver: 'redis', url: 'rediss://r:6380', prefix: 'dutygate:', timeoutMs: 50, ledgerTtlMs: 2_592_000_000, durability: 'none' });
  });

  it.each([
    ['./keys/a.json', '/etc/dutygate/keys/a.json'],
    ['keys/a.json', '/etc/dutygate/keys/a.json'],
    ['../shared/a.json', '/etc/shared/a.json'],
    ['/srv/keys/a.json', '/srv/keys/a.json'],
  ])('resolves %s against the config folder → %s', (path, absolute) => {
    const text = `identity:\n  issuers: [{ issuer: a, audience: b, jwks_file: "${path}" }]\npolicy: { file: "${path}" }\noverrides: { signing_key_file: "${path}" }\n`;
    const config = parseConfig(text, FILE, {});
    expect([config.identity.issuers[0]?.jwksFile, config.policy.file, config.overrides?.signingKeyFile]).toEqual([absolute, absolute, absolute]);
  });

  it('resolves a relative config path against the working folder', () => {
    const config = parseConfig(BASE, 'conf/dutygate.yaml', {});
    expect(config.source).toBe(resolve('conf/dutygate.yaml'));
    expect(config.policy.file).toBe(resolve('conf/policy.yaml'));
  });

  it('returns a deeply frozen result', () => {
    const config = parseConfig(DESIGN_EXAMPLE, FILE, { SLACK_BOT_TOKEN: 'a', SLACK_SIGNING_SECRET: 'b' });
    for (const part of [config, config.identity, config.identity.issuers, config.identity.issuers[0], config.identity.issuers[0]?.algorithms, config.principals.aliases, config.state, config.slack, config.limits]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => ((config.grpc as { port: number }).port = 1)).toThrow(TypeError);
    expect(() => (config.identity.issuers[0]?.algorithms as string[]).push('HS256')).toThrow(TypeError);
  });
});

describe('loadConfig', () => {
  const examples = resolve('examples/config');
  const env = { SLACK_BOT_TOKEN: 'xoxb-example', SLACK_SIGNING_SECRET: 'secret' };

  it('reads a file and resolves paths against its folder', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'dutygate-config-'));
    await writeFile(join(folder, 'dutygate.yaml'), BASE);
    const config = await loadConfig(join(folder, 'dutygate.yaml'), {});
    expect(config.source).toBe(join(folder, 'dutygate.yaml'));
    expect(config.identity.issuers[0]?.jwksFile).toBe(join(folder, 'keys.json'));
  });

  it.each([
    ['nope.yaml', 'no such file'],
    ['', 'it is a folder'],
  ])('names the path of an unreadable file (%j)', async (name, reason) => {
    const folder = await mkdtemp(join(tmpdir(), 'dutygate-config-'));
    const path = join(folder, name);
    await expect(loadConfig(path, {})).rejects.toThrow(`invalid config:\n  ${path}:1:1: cannot read the config file: ${reason}`);
  });

  it('parses the full reference, whose every value is the default', async () => {
    const reference = await loadConfig(join(examples, 'dutygate.yaml'), env);
    const minimal = await loadConfig(join(examples, 'minimal.yaml'), {});
    const { source: _a, approvers: _b, overrides, slack, ...defaults } = reference;
    const { source: _c, approvers, ...expected } = minimal;
    expect(defaults).toEqual(expected);
    expect(approvers.issuers).toEqual([]);
    expect(overrides).toEqual({ signingKeyFile: join(examples, 'keys/override.jwk.json'), ttlMs: 600_000, deployment: 'default' });
    expect(slack).toEqual({ botToken: 'xoxb-example', signingSecret: 'secret', channel: 'C0APPROVALS', apiUrl: 'https://slack.com/api/', postRate: { perSecond: 1, burst: 5, maxQueued: 100 } });
  });

  it('loads the act-delegation example', async () => {
    const config = await loadConfig(join(examples, 'act-delegation.yaml'), {});
    expect(config.identity.issuers.map((issuer) => issuer.delegation)).toEqual(['act']);
  });

  it('loads the AuthZEN example', async () => {
    const config = await loadConfig(join(examples, 'authzen.yaml'), {});
    expect(config.authzen).toEqual({ tokenFile: join(examples, 'keys/pep.token'), pdpUrl: 'https://dutygate.internal.example', maxEvaluations: 16 });
  });

  it('lists every schema key in the full reference', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(join(examples, 'dutygate.yaml'), 'utf8');
    const missing = schemaKeys(CONFIG_SCHEMA).filter((key) => !new RegExp(`(^|[\\s{,])${key}:`, 'm').test(text));
    expect(missing).toEqual([]);
  });

  it('parses the redis example with and without its variables', async () => {
    const file = join(examples, 'redis.yaml');
    const defaults = await loadConfig(file, {});
    expect([defaults.grpc.port, defaults.policy.watch, defaults.log.level, defaults.state]).toEqual([
      9191,
      true,
      'info',
      { driver: 'redis', cluster: ['redis-0.redis:6379', 'redis-1.redis:6379', 'redis-2.redis:6379'], prefix: 'dutygate:', timeoutMs: 50, ledgerTtlMs: 2_592_000_000, durability: 'none' },
    ]);
    const set = await loadConfig(file, { DUTYGATE_GRPC_PORT: '7000', DUTYGATE_POLICY_WATCH: 'false', LOG_LEVEL: 'debug', DUTYGATE_REDIS_PREFIX: 'team-a:' });
    expect([set.grpc.port, set.policy.watch, set.log.level, set.state.driver === 'redis' && set.state.prefix]).toEqual([7000, false, 'debug', 'team-a:']);
  });
});

/** Every property name declared anywhere in a schema. */
function schemaKeys(schema: Record<string, unknown>): string[] {
  const keys: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const properties = (node as { properties?: Record<string, unknown> }).properties ?? {};
    for (const [key, child] of Object.entries(properties)) {
      keys.push(key);
      walk(child);
    }
    walk((node as { items?: unknown }).items);
  };
  walk(schema);
  return [...new Set(keys)];
}
