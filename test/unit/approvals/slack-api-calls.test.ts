/** Every Slack Web API call is reported once, after its retries: the `dutygate_slack_calls_total` metric. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { createSlackApi } from '../../../src/approvals/slack/slack-api.js';
import { startFakeSlack, type FakeSlack } from '../../helpers/fake-slack.js';

const message = { text: 'approval', blocks: [] };

describe('Slack API calls are reported for the delivery metric', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack.close();
  });

  it('reports ok once a call succeeds (after a retried 500), error when it finally fails', async () => {
    const calls: [string, boolean][] = [];
    const api = createSlackApi({
      botToken: 'xoxb-test',
      apiUrl: slack.url,
      log: createLogger('silent'),
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
      onCall: (method, ok) => calls.push([method, ok]),
    });
    slack.failNext('chat.postMessage', { status: 500 });
    const posted = await api.postMessage('C0APPROVALS', message);
    slack.failNext('chat.update', { status: 200, body: { ok: false, error: 'channel_not_found' } });
    await expect(api.update(posted.channel, posted.ts, message)).rejects.toThrow(/channel_not_found/);
    slack.failNext('chat.postEphemeral', { status: 500 }, { status: 500 });
    await expect(api.postEphemeral('C0APPROVALS', 'U0X', 'no')).rejects.toThrow();
    expect(calls).toEqual([
      ['chat.postMessage', true],
      ['chat.update', false],
      ['chat.postEphemeral', false],
    ]);
  });
  it('views.open is tried once (a trigger_id lives 3 s), a thread reply is a chat.postMessage with thread_ts; both reported', async () => {
    const calls: [string, boolean][] = [];
    const api = createSlackApi({
      botToken: 'xoxb-test',
      apiUrl: slack.url,
      log: createLogger('silent'),
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
      onCall: (method, ok) => calls.push([method, ok]),
    });
    const before = slack.calls.filter((call) => call.method === 'views.open').length;
    slack.failNext('views.open', { status: 500 });
    await expect(api.openView('1.2.a', { type: 'modal' })).rejects.toThrow();
    expect(slack.calls.filter((call) => call.method === 'views.open')).toHaveLength(before + 1);
    await api.openView('1.2.b', { type: 'modal', callback_id: 'x' });
    expect(slack.succeeded('views.open').at(-1)!.args).toMatchObject({ trigger_id: '1.2.b', view: { type: 'modal', callback_id: 'x' } });
    await api.reply('C0APPROVALS', '1700000000.000001', 'reminder');
    expect(slack.succeeded('chat.postMessage').at(-1)!.args).toMatchObject({ channel: 'C0APPROVALS', thread_ts: '1700000000.000001', text: 'reminder' });
    expect(calls).toEqual([
      ['views.open', false],
      ['views.open', true],
      ['chat.postMessage', true],
    ]);
  });
});
