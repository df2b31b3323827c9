import { webApi } from '@slack/bolt';
import type { Logger } from '../../log/logger.js';
import type { ApprovalMessage, Block } from './blocks.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy, type Sleep } from './retry.js';
import { createSlackLogger } from './slack-logger.js';

/** The Slack Web API methods dutygate uses (scope `chat:write`; `views.open` needs none beyond interactivity). */
export interface SlackApi {
  postMessage(channel: string, message: ApprovalMessage): Promise<{ channel: string; ts: string }>;
  update(channel: string, ts: string, message: ApprovalMessage): Promise<void>;
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
  /** A reply in the thread of message `threadTs` (reminders, escalations; issue 17 item 2). */
  reply(channel: string, threadTs: string, text: string): Promise<void>;
  /** Opens a modal for the click that gave `triggerId` (valid 3 s: tried once, never retried). */
  openView(triggerId: string, view: Block): Promise<void>;
}

/** Options of {@link createSlackApi}. */
export interface SlackApiOptions {
  readonly botToken: string;
  /** `slack.api_url`, ending in `/`. */
  readonly apiUrl: string;
  readonly log: Logger;
  readonly retry?: RetryPolicy;
  readonly sleep?: Sleep;
  /** Per-request timeout (default 10s). */
  readonly timeoutMs?: number;
  /** Told of every call's end, after retries (the `dutygate_slack_calls_total` metric). */
  readonly onCall?: (method: string, ok: boolean) => void;
}

/**
 * A Web API client pointed at `slack.api_url`. The client's own retries are off
 * (`retries: 0`, rate-limited calls rejected) so that {@link withRetry} alone decides, with
 * bounds this gate chose: 429 after `Retry-After`, 5xx and network errors with backoff.
 */
export function createSlackApi(options: SlackApiOptions): SlackApi {
  const client = new webApi.WebClient(options.botToken, {
    slackApiUrl: options.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? 10_000,
    logger: createSlackLogger(options.log),
    // Absolute URLs would let a method name send the bot token elsewhere.
    allowAbsoluteUrls: false,
  });
  const retry = async <T>(method: string, call: () => Promise<T>) => {
    try {
      const result = await withRetry(call, options.retry ?? DEFAULT_RETRY, options.sleep);
      options.onCall?.(method, true);
      return result;
    } catch (error) {
      options.onCall?.(method, false);
      throw error;
    }
  };

  return {
    async postMessage(channel, message) {
      const result = await retry('chat.postMessage', () => client.chat.postMessage({ channel, text: message.text, blocks: message.blocks as never, unfurl_links: false, unfurl_media: false }));
      if (typeof result.ts !== 'string') throw new Error('chat.postMessage returned no ts');
      return { channel: typeof result.channel === 'string' ? result.channel : channel, ts: result.ts };
    },
    async update(channel, ts, message) {
      await retry('chat.update', () => client.chat.update({ channel, ts, text: message.text, blocks: message.blocks as never }));
    },
    async postEphemeral(channel, user, text) {
      await retry('chat.postEphemeral', () => client.chat.postEphemeral({ channel, user, text }));
    },
    async reply(channel, threadTs, text) {
      await retry('chat.postMessage', () => client.chat.postMessage({ channel, thread_ts: threadTs, text, unfurl_links: false, unfurl_media: false }));
    },
    async openView(triggerId, view) {
      // A trigger_id expires 3 s after the click: a retry after backoff would only fail later.
      try {
        await client.views.open({ trigger_id: triggerId, view: view as never });
        options.onCall?.('views.open', true);
      } catch (error) {
        options.onCall?.('views.open', false);
        throw error;
      }
    },
  };
}
