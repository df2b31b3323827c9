import { parseDuration } from '../yaml/duration.js';
import type { ParsedYaml } from '../yaml/parse-yaml.js';
import type { SourceIssue } from '../yaml/source-issue.js';
import { checkIssuers } from './check-issuers.js';
import { checkFetchUrl } from './check-url.js';
import { CONFIG_DEFAULTS } from './defaults.js';
import { asArray, asObject, asString, createRuleContext, type KeyPath, type RuleContext } from './rule-context.js';
import { DURATION_KEYS } from './schema.js';

const MEMORY_ONLY: ReadonlySet<string> = new Set(['max_jti_entries']);
const REDIS_ONLY: ReadonlySet<string> = new Set(['url', 'cluster', 'prefix', 'timeout', 'durability']);
const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
/** A principal is `scheme:value` (docs/design.md §8): `slack:U0ALICE`, `sso:alice`. */
const PRINCIPAL = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::']);

/**
 * The rules that need more than one value at a time, each reported at the key or value it is
 * about. Runs on the expanded document even when the schema found problems (so that every
 * issue is listed at once); each rule skips values of the wrong type, which the schema reports.
 */
export function checkRules(parsed: ParsedYaml): SourceIssue[] {
  const issues: SourceIssue[] = [];
  const document = asObject(parsed.value);
  if (!document) return issues;
  const context = createRuleContext(parsed, issues);
  checkIssuers(context, document);
  checkListeners(context, document);
  checkTokenTimes(context, asObject(document.identity));
  checkPositiveDurations(context, document, []);
  checkState(context, asObject(document.state));
  const apiUrl = asString(asObject(document.slack)?.api_url);
  const problem = apiUrl === undefined ? undefined : checkFetchUrl(apiUrl);
  if (problem) context.report(['slack', 'api_url'], problem);
  const publicUrl = asString(asObject(document.http)?.public_url);
  if (publicUrl !== undefined && !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(publicUrl)) {
    context.report(['http', 'public_url'], 'must be an http:// or https:// URL without query or fragment (the base agents poll approvals at)');
  }
  checkAliases(context, asObject(asObject(document.principals)?.aliases));
  checkBearerSection(context, 'admin', asObject(document.admin));
  checkBearerSection(context, 'authzen', asObject(document.authzen));
  const audit = asObject(document.audit);
  // A checkpoint attests the chain head: without the chain there is nothing to sign.
  if (audit?.checkpoints !== undefined && audit.chain === false) context.report(['audit', 'checkpoints'], 'needs audit.chain: true (a checkpoint signs the chain head)', { at: 'key' });
  return issues;
}

/**
 * `admin` and `authzen` (the token PEPs present): exactly one of token / token_file; an inline
 * token long enough not to be guessed.
 */
function checkBearerSection(context: RuleContext, section: 'admin' | 'authzen', value: Readonly<Record<string, unknown>> | undefined): void {
  if (!value) return;
  if (value.token !== undefined && value.token_file !== undefined) {
    context.report([section, 'token_file'], 'set either token or token_file, not both', { at: 'key' });
  } else if (value.token === undefined && value.token_file === undefined) {
    context.report([section], `${section} needs token_file (or token)`, { hint: `e.g. ${section}: { token_file: ./keys/${section === 'admin' ? 'admin' : 'pep'}.token }` });
  }
  const token = asString(value.token);
  // 16 is MIN_ADMIN_TOKEN_LENGTH (src/server/admin-token.ts), checked again there for token_file.
  if (token !== undefined && token.length < 16) context.report([section, 'token'], 'must be at least 16 characters', { hint: 'e.g. openssl rand -hex 32' });
}

function checkListeners(context: RuleContext, document: Readonly<Record<string, unknown>>): void {
  const grpc = asObject(document.grpc);
  const http = asObject(document.http);
  const grpcPort = grpc?.port ?? CONFIG_DEFAULTS.grpc.port;
  const httpPort = http?.port ?? CONFIG_DEFAULTS.http.port;
  const grpcHost = asString(grpc?.host) ?? CONFIG_DEFAULTS.grpc.host;
  const httpHost = asString(http?.host) ?? CONFIG_DEFAULTS.http.host;
  // Port 0 asks the OS for a free port (tests), so two zeros never clash.
  if (typeof grpcPort !== 'number' || grpcPort === 0 || grpcPort !== httpPort) return;
  if (grpcHost !== httpHost && !WILDCARD_HOSTS.has(grpcHost) && !WILDCARD_HOSTS.has(httpHost)) return;
  const at: KeyPath = http?.port === undefined ? ['grpc', 'port'] : ['http', 'port'];
  context.report(at, `gRPC and HTTP cannot both listen on port ${grpcPort}`);
}

function checkTokenTimes(context: RuleContext, identity: Readonly<Record<string, unknown>> | undefined): void {
  const skewText = asString(identity?.clock_skew);
  const lifetimeText = asString(identity?.max_token_lifetime);
  const skew = skewText === undefined ? CONFIG_DEFAULTS.identity.clockSkewMs : parseDuration(skewText);
  const lifetime = lifetimeText === undefined ? CONFIG_DEFAULTS.identity.maxTokenLifetimeMs : parseDuration(lifetimeText);
  // jose compares token times in whole seconds: a 500ms tolerance acts as up to 1s, and the
  // replay window would not match it (issue 12 item 7). Say so rather than round silently.
  if (skew !== undefined && skew % 1000 !== 0) {
    context.report(['identity', 'clock_skew'], `must be whole seconds (token times are compared in seconds); use ${Math.ceil(skew / 1000)}s`);
    return;
  }
  if (skew === undefined || lifetime === undefined || skew <= lifetime) return;
  // A skew larger than the whole lifetime would let an expired token pass for longer than it lived.
  if (skewText !== undefined) {
    context.report(['identity', 'clock_skew'], `must not exceed identity.max_token_lifetime (${lifetimeText ?? `${lifetime / 1000}s`})`);
  } else {
    context.report(['identity', 'max_token_lifetime'], `must be at least identity.clock_skew (${skew / 1000}s)`);
  }
}

/** Zero is a valid duration only for clock_skew; a zero TTL, timeout or cooldown is a mistake. */
function checkPositiveDurations(context: RuleContext, node: unknown, path: KeyPath): void {
  if (Array.isArray(node)) node.forEach((item, index) => checkPositiveDurations(context, item, [...path, index]));
  const object = asObject(node);
  if (!object || path[0] === 'principals') return;
  for (const [key, value] of Object.entries(object)) {
    if (DURATION_KEYS.has(key) && key !== 'clock_skew' && typeof value === 'string' && parseDuration(value) === 0) {
      context.report([...path, key], 'must be greater than 0');
    } else {
      checkPositiveDurations(context, value, [...path, key]);
    }
  }
}

function checkState(context: RuleContext, state: Readonly<Record<string, unknown>> | undefined): void {
  if (!state) return;
  const driver = state.driver ?? CONFIG_DEFAULTS.state.driver;
  if (driver !== 'memory' && driver !== 'redis') return;
  const foreign = driver === 'redis' ? MEMORY_ONLY : REDIS_ONLY;
  for (const key of Object.keys(state)) {
    if (foreign.has(key)) context.report(['state', key], `applies only to driver '${driver === 'redis' ? 'memory' : 'redis'}'`, { at: 'key', hint: `state.driver is '${driver}'` });
  }
  if (driver !== 'redis') return;
  if (state.url !== undefined && state.cluster !== undefined) {
    context.report(['state', 'cluster'], 'set either url or cluster, not both', { at: 'key' });
  } else if (state.url === undefined && state.cluster === undefined) {
    context.report(state.driver === undefined ? ['state'] : ['state', 'driver'], "driver 'redis' needs url or cluster");
  }
  const url = asString(state.url);
  if (url !== undefined && !/^rediss?:\/\/./.test(url)) context.report(['state', 'url'], 'must be a redis:// or rediss:// URL');
  for (const [index, node] of asArray(state.cluster).entries()) {
    if (typeof node !== 'string') continue;
    const port = HOST_PORT.exec(node)?.[1];
    if (port === undefined || Number(port) < 1 || Number(port) > 65535) {
      context.report(['state', 'cluster', index], `'${node}' must be host:port`, { hint: 'e.g. redis-0.redis:6379' });
    }
  }
}

function checkAliases(context: RuleContext, aliases: Readonly<Record<string, unknown>> | undefined): void {
  if (!aliases) return;
  for (const [from, to] of Object.entries(aliases)) {
    const path = ['principals', 'aliases', from];
    if (!PRINCIPAL.test(from)) context.report(path, `'${from}' is not a principal`, { at: 'key', hint: 'principals are scheme:value, e.g. slack:U0ALICE' });
    if (typeof to !== 'string' || to === '') continue;
    if (!PRINCIPAL.test(to)) {
      context.report(path, `'${to}' is not a principal`, { hint: 'principals are scheme:value, e.g. sso:alice' });
    } else if (to === from) {
      context.report(path, `'${from}' is an alias of itself`);
    } else if (Object.hasOwn(aliases, to)) {
      // Aliases resolve in one step; a chain would make "who is this?" depend on the order.
      context.report(path, `'${to}' is itself an alias`, { hint: `point at the principal it stands for, '${String(aliases[to])}'` });
    }
  }
}
