import { describe, expect, it } from 'vitest';
import { BASE, FILE, issuesOf, withIssuer } from './fixtures.js';

const ALLOWED = '(allowed: EdDSA, ES256, ES384, ES512, RS256, RS384, RS512, PS256, PS384, PS512)';
const at = (position: string, rest: string): string => `${FILE}:${position}: ${rest}`;

describe('parseConfig issues: file:line:column: key: message (hint)', () => {
  it.each<[string, string, string[]]>([
    // keys and types
    ['unknown nested key with hint', withIssuer('jwks_file: k.json', 'audiance: x'), [at('6:7', "identity.issuers[0].audiance: unknown key 'audiance' (did you mean 'audience'?)")]],
    ['unknown top-level key', `${BASE}polcy: {}\n`, [at('8:1', "polcy: unknown key 'polcy' (did you mean 'policy'?)")]],
    ['port as a quoted string', `${BASE}grpc:\n  port: "9191"\n`, [at('9:9', 'grpc.port: must be integer')]],
    ['port out of range', `${BASE}http: { port: 65536 }\n`, [at('8:15', 'http.port: must be <= 65535')]],
    ['negative chain depth', BASE.replace('identity:\n', 'identity:\n  max_chain_depth: -1\n'), [at('2:20', 'identity.max_chain_depth: must be >= 1')]],
    ['chain depth above 32', BASE.replace('identity:\n', 'identity:\n  max_chain_depth: 33\n'), [at('2:20', 'identity.max_chain_depth: must be <= 32')]],
    ['unknown log level', `${BASE}log: { level: loud }\n`, [at('8:15', 'log.level: must be one of "trace", "debug", "info", "warn", "error", "fatal", "silent"')]],
    ['unknown state driver', `${BASE}state: { driver: etcd }\n`, [at('8:18', 'state.driver: must be one of "memory", "redis"')]],
    ['required sections', 'grpc: { port: 1 }\n', [at('1:1', 'identity: is required'), at('1:1', 'policy: is required')]],
    ['no issuers', 'identity: { issuers: [] }\npolicy: { file: p.yaml }\n', [at('1:22', 'identity.issuers: must not be empty')]],
    ['empty file', '# nothing yet\n', [at('1:1', "the file is empty; it needs at least 'identity' and 'policy'")]],
    ['duplicate key (YAML)', `${BASE}log: {}\nlog: {}\n`, [at('9:1', 'Map keys must be unique')]],
    // durations
    ['bare number duration', `${BASE}overrides:\n  signing_key_file: o.json\n  ttl: 10\n`, [at('10:8', "overrides.ttl: must be a duration such as 300s, 10m or 50ms (a bare number has no unit: write '10s' or '10ms')")]],
    ['duration with a spaced unit', `${BASE}overrides:\n  signing_key_file: o.json\n  ttl: 5 sec\n`, [at('10:8', 'overrides.ttl: must be a duration such as 300s, 10m or 50ms')]],
    ['zero ttl', `${BASE}overrides:\n  signing_key_file: o.json\n  ttl: 0s\n`, [at('10:8', 'overrides.ttl: must be greater than 0')]],
    ['clock skew above lifetime', BASE.replace('identity:\n', 'identity:\n  clock_skew: 10m\n'), [at('2:15', 'identity.clock_skew: must not exceed identity.max_token_lifetime (300s)')]],
    ['lifetime below default skew', BASE.replace('identity:\n', 'identity:\n  max_token_lifetime: 2s\n'), [at('2:23', 'identity.max_token_lifetime: must be at least identity.clock_skew (5s)')]],
    // algorithms
    ['HS256 refused', withIssuer('jwks_file: k.json', 'algorithms: [EdDSA, HS256]'), [at('6:27', `identity.issuers[0].algorithms[1]: 'HS256' is refused: HMAC keys are shared secrets, so whoever can verify a token could also mint one ${ALLOWED}`)]],
    ['none refused', withIssuer('jwks_file: k.json', 'algorithms: [none]'), [at('6:20', `identity.issuers[0].algorithms[0]: 'none' is refused: an unsigned token proves nothing ${ALLOWED}`)]],
    ['unknown algorithm', withIssuer('jwks_file: k.json', 'algorithms: [ES999]'), [at('6:20', 'identity.issuers[0].algorithms[0]: must be one of "EdDSA", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"')]],
    // issuers
    ['both jwks_file and jwks_url', withIssuer('jwks_file: k.json', 'jwks_url: https://tokens.example/jwks'), [at('6:7', 'identity.issuers[0].jwks_url: set either jwks_file or jwks_url, not both')]],
    ['neither jwks_file nor jwks_url', withIssuer(), [at('3:7', 'identity.issuers[0]: needs its keys: set jwks_file or jwks_url')]],
    ['plain http jwks_url', withIssuer('jwks_url: http://tokens.example/jwks'), [at('5:17', 'identity.issuers[0].jwks_url: must be an https:// URL (http:// only for 127.0.0.1 or localhost)')]],
    ['loopback look-alike', withIssuer('jwks_url: http://localhost.evil.example/jwks'), [at('5:17', 'identity.issuers[0].jwks_url: must be an https:// URL (http:// only for 127.0.0.1 or localhost)')]],
    ['empty audience list', withIssuer('jwks_file: k.json').replace('audience: dutygate', 'audience: []'), [at('4:17', 'identity.issuers[0].audience: must be a string or a non-empty list of strings')]],
    ['duplicate issuer', 'identity:\n  issuers:\n    - { name: a, issuer: a, audience: x, jwks_file: k }\n    - { name: b, issuer: a, audience: y, jwks_file: k }\npolicy: { file: p }\n', [at('4:26', "identity.issuers[1].issuer: 'a' is already configured at identity.issuers[0]")]],
    [
      'approver issuer accepting agent tokens',
      'identity:\n  issuers: [{ issuer: a, audience: [x, z], jwks_file: k }]\napprovers:\n  issuers: [{ issuer: a, audience: z, jwks_file: k }]\npolicy: { file: p }\n',
      [at('4:36', "approvers.issuers[0].audience: issuer and audience 'z' are also those of agent tokens (identity.issuers[0]), so an agent token would pass as an approval (give approver tokens their own audience)")],
    ],
    // state
    ['redis without url or cluster', `${BASE}state:\n  driver: redis\n`, [at('9:11', "state.driver: driver 'redis' needs url or cluster")]],
    ['redis with url and cluster', `${BASE}state:\n  driver: redis\n  url: redis://r:6379\n  cluster: [a:1]\n`, [at('11:3', 'state.cluster: set either url or cluster, not both')]],
    ['redis cluster entries', `${BASE}state:\n  driver: redis\n  cluster: [a:1, b, "c:99999"]\n`, [at('10:18', "state.cluster[1]: 'b' must be host:port (e.g. redis-0.redis:6379)"), at('10:21', "state.cluster[2]: 'c:99999' must be host:port (e.g. redis-0.redis:6379)")]],
    ['redis url scheme', `${BASE}state: { driver: redis, url: "http://r" }\n`, [at('8:30', 'state.url: must be a redis:// or rediss:// URL')]],
    ['redis key on memory', `${BASE}state:\n  url: redis://r\n`, [at('9:3', "state.url: applies only to driver 'redis' (state.driver is 'memory')")]],
    ['memory key on redis', `${BASE}state:\n  driver: redis\n  url: redis://r\n  max_jti_entries: 5\n`, [at('11:3', "state.max_jti_entries: applies only to driver 'memory' (state.driver is 'redis')")]],
    // slack, listeners, aliases
    ['slack without its secrets', `${BASE}slack:\n  channel: C1\n`, [at('8:1', 'slack.bot_token: is required'), at('8:1', 'slack.signing_secret: is required')]],
    ['slack empty token', `${BASE}slack:\n  bot_token: ""\n  signing_secret: x\n  channel: C1\n`, [at('9:14', 'slack.bot_token: must not be empty')]],
    ['slack post rate of zero', `${BASE}slack: { bot_token: a, signing_secret: b, channel: c, post_rate: { per_second: 0, burst: 0 } }\n`, [at('8:80', 'slack.post_rate.per_second: must be > 0'), at('8:90', 'slack.post_rate.burst: must be >= 1')]],
    ['slack api_url over http', `${BASE}slack: { bot_token: a, signing_secret: b, channel: c, api_url: "http://slack.example/api/" }\n`, [at('8:64', 'slack.api_url: must be an https:// URL (http:// only for 127.0.0.1 or localhost)')]],
    ['gRPC and HTTP on one port', `${BASE}http:\n  port: 9191\n`, [at('9:9', 'http.port: gRPC and HTTP cannot both listen on port 9191')]],
    [
      'aliases',
      `${BASE}principals:\n  aliases:\n    alice: "sso:alice"\n    "slack:U1": "sso:bob"\n    "sso:bob": "gh:bob"\n    "gh:x": "gh:x"\n`,
      [
        at('10:5', "principals.aliases.alice: 'alice' is not a principal (principals are scheme:value, e.g. slack:U0ALICE)"),
        at('11:17', "principals.aliases.slack:U1: 'sso:bob' is itself an alias (point at the principal it stands for, 'gh:bob')"),
        at('13:13', "principals.aliases.gh:x: 'gh:x' is an alias of itself"),
      ],
    ],
  ])('%s', (_name, text, expected) => {
    expect(issuesOf(text)).toEqual(expected);
  });

  it('reports every issue at once, in file order', () => {
    const text = `${BASE}grpc:\n  port: "x"\n  hots: a\nlog:\n  level: loud\nslack:\n  bot_token: \${NOPE}\n  signing_secret: a\n  channel: b\nstate: { driver: redis }\n`;
    expect(issuesOf(text)).toEqual([
      at('9:9', 'grpc.port: must be integer'),
      at('10:3', "grpc.hots: unknown key 'hots' (did you mean 'host'?)"),
      at('12:10', 'log.level: must be one of "trace", "debug", "info", "warn", "error", "fatal", "silent"'),
      at('14:14', "slack.bot_token: environment variable 'NOPE' is not set (set it, or give a default: ${NOPE:-…})"),
      at('17:18', "state.driver: driver 'redis' needs url or cluster"),
    ]);
  });

  it('accepts http:// JWKS and Slack URLs on loopback only', () => {
    expect(issuesOf(withIssuer('jwks_url: http://127.0.0.1:8080/jwks'))).toEqual([]);
    expect(issuesOf(withIssuer('jwks_url: http://localhost:8080/jwks'))).toEqual([]);
    expect(issuesOf(`${BASE}slack: { bot_token: a, signing_secret: b, channel: c, api_url: "http://127.0.0.1:3000/api/" }\n`)).toEqual([]);
  });
});
