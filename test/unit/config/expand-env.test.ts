import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import { BASE, FILE, issuesOf } from './fixtures.js';

const slack = (token: string, secret = 'secret'): string => `${BASE}slack:\n  bot_token: ${token}\n  signing_secret: ${secret}\n  channel: C1\n`;
const tokenOf = (text: string, env: Record<string, string>): string | undefined => parseConfig(text, FILE, env).slack?.botToken;

describe('${VAR} expansion', () => {
  it.each<[string, string, Record<string, string>, string]>([
    ['a whole variable', '${TOKEN}', { TOKEN: 'xoxb-1' }, 'xoxb-1'],
    ['inside text', '"xoxb-${A}-${B}"', { A: '1', B: '2' }, 'xoxb-1-2'],
    ['default when unset', '${TOKEN:-fallback}', {}, 'fallback'],
    ['default when empty', '${TOKEN:-fallback}', { TOKEN: '' }, 'fallback'],
    ['value over default', '${TOKEN:-fallback}', { TOKEN: 'set' }, 'set'],
    ['empty default', '"x${TOKEN:-}y"', {}, 'xy'],
    ['set but empty, no default', '"x${TOKEN}y"', { TOKEN: '' }, 'xy'],
    ['$${ escapes', '"$${TOKEN}"', { TOKEN: 'no' }, '${TOKEN}'],
    ['escape then reference', '"$${A}${A}"', { A: 'v' }, '${A}v'],
    ['a lone $ stays', '"a$b$$c"', {}, 'a$b$$c'],
    ['structure in a value stays text', '${TOKEN}', { TOKEN: 'a\npolicy: { file: /evil }' }, 'a\npolicy: { file: /evil }'],
    ['a numeric value of a string key stays a string', '${TOKEN}', { TOKEN: '12345' }, '12345'],
  ])('%s', (_name, token, env, expected) => {
    expect(tokenOf(slack(token), env)).toBe(expected);
  });

  it('turns a whole ${VAR} into a number or boolean where the schema wants one', () => {
    const text = `${BASE}grpc: { port: "\${PORT}" }\nhttp:\n  port: \${HTTP_PORT:-0x1F90}\nlimits: { max_json_depth: "\${DEPTH}" }\n`;
    const config = parseConfig(text.replace('  file: policy.yaml', '  file: policy.yaml\n  watch: ${WATCH}'), FILE, { PORT: '7000', DEPTH: '16', WATCH: 'false' });
    expect([config.grpc.port, config.http.port, config.limits.maxJsonDepth, config.policy.watch]).toEqual([7000, 8080, 16, false]);
  });

  it.each([
    ['not a number', `${BASE}grpc:\n  port: \${PORT}\n`, { PORT: 'abc' }, `${FILE}:9:9: grpc.port: must be integer`],
    ['not a whole reference', `${BASE}grpc:\n  port: "\${PORT}0"\n`, { PORT: '1' }, `${FILE}:9:9: grpc.port: must be integer`],
  ])('leaves the schema to report a reference that is %s', (_name, text, env, expected) => {
    expect(issuesOf(text, env)).toEqual([expected]);
  });

  it('reports each unset variable at its line and column', () => {
    const text = slack('${SLACK_BOT_TOKEN}', '"x-${A:-a}-${SECRET}"').replace('channel: C1', 'channel: ${CHANNEL}');
    expect(issuesOf(text, {})).toEqual([
      `${FILE}:9:14: slack.bot_token: environment variable 'SLACK_BOT_TOKEN' is not set (set it, or give a default: \${SLACK_BOT_TOKEN:-…})`,
      `${FILE}:10:30: slack.signing_secret: environment variable 'SECRET' is not set (set it, or give a default: \${SECRET:-…})`,
      `${FILE}:11:12: slack.channel: environment variable 'CHANNEL' is not set (set it, or give a default: \${CHANNEL:-…})`,
    ]);
  });

  it.each([
    ['an invalid name', '${1X}', `${FILE}:9:14: slack.bot_token: '\${1X}' is not a valid variable reference (use \${NAME} or \${NAME:-default})`],
    ['an empty reference', '"a${}"', `${FILE}:9:16: slack.bot_token: '\${}' is not a valid variable reference (use \${NAME} or \${NAME:-default})`],
    ['no closing brace', '"${TOKEN"', `${FILE}:9:15: slack.bot_token: '\${' has no closing '}' (write '$\${' for a literal '\${')`],
  ])('reports %s', (_name, token, expected) => {
    expect(issuesOf(slack(token), { TOKEN: 'x' })).toEqual([expected]);
  });

  it('never expands keys or comments', () => {
    const text = `${BASE.replace('policy:', '# ${NOT_SET}\npolicy:')}principals:\n  aliases: { "sso:\${X}": "sso:alice" }\n`;
    expect(parseConfig(text, FILE, {}).principals.aliases).toEqual({ 'sso:${X}': 'sso:alice' });
  });
});
