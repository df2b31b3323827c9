/**
 * The Slack notifier: one message per approval in `slack.channel`, posted after the Check has
 * answered, then updated in place from the stored record — on every counted vote, on the
 * outcome, and on expiry (a sweeper finds expired records whose message still shows buttons).
 * Updates of one approval run one after another and always render the latest stored state, so
 * two quick clicks can never leave an older rendering on top. New messages are paced per channel
 * (post-limiter.ts): over the rate they wait in a bounded queue, beyond it they are dropped and
 * reported; a post whose turn comes after its approval was decided or expired is skipped.
 * Reminders and escalations are replies in the message's thread that mention whom they ask
 * (issue 17 item 2).
 */
import { settleWithin } from '../../lib/with-deadline.js';
import type { Logger } from '../../log/logger.js';
import type { ApprovalRecord } from '../../state/approval-record.js';
import { followUpAddressees } from '../follow-up-text.js';
import type { StateStore } from '../../state/state-store.js';
import type { ApprovalNotifier } from '../notifier.js';
import { renderApprovalMessage, type Block } from './blocks.js';
import { mentionOf } from './mentions.js';
import { createPostLimiter, type PostRate } from './post-limiter.js';
import type { SlackApi } from './slack-api.js';

/** Options of {@link createSlackNotifier}. */
export interface SlackNotifierOptions {
  readonly api: SlackApi;
  readonly channel: string;
  readonly state: StateStore;
  readonly log: Logger;
  readonly now: () => number;
  /** `principals.aliases`: a resolved approver is mentioned through its Slack accounts. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** How often expired approvals are looked for (default 15s; 0 disables the timer). */
  readonly sweepIntervalMs?: number;
  /** Pace of new messages per channel (`slack.post_rate`). */
  readonly postRate: PostRate;
  /** A message not posted because the channel's queue was full (counted as a metric by the caller). */
  readonly onPostDropped?: (record: ApprovalRecord) => void;
}

/** The Slack notifier, plus an on-demand expiry sweep (tests call it directly). */
export interface SlackNotifier extends ApprovalNotifier {
  /** Tells one Slack user (only them) why their click did not count. */
  whisper(channel: string, user: string, text: string): Promise<void>;
  /** Opens a modal for a click (its `trigger_id`); false when Slack refused or did not answer. */
  openModal(triggerId: string, view: Block): Promise<boolean>;
}

/** Builds the Slack notifier and starts its expiry sweeper. */
export function createSlackNotifier(options: SlackNotifierOptions): SlackNotifier {
  const { api, state, log, now } = options;
  /** Per approval: the tail of its update chain. */
  const chains = new Map<string, Promise<void>>();
  /** Approvals whose final message is posted, with when they may be forgotten. */
  const finished = new Map<string, number>();
  /** Posts and updates under way: a stop waits for them before the state store closes. */
  const underWay = new Set<Promise<void>>();
  const track = (work: Promise<void>): Promise<void> => {
    underWay.add(work);
    void work.finally(() => underWay.delete(work));
    return work;
  };

  const render = async (record: ApprovalRecord): Promise<void> => {
    const notification = record.notification;
    if (!notification) return;
    const nowMs = now();
    await api.update(notification.channel, notification.ts, renderApprovalMessage(record, nowMs));
    const final = record.status !== 'pending' || record.expiresAt <= nowMs;
    if (final) finished.set(record.approvalId, Math.max(record.expiresAt, nowMs) + 24 * 3_600_000);
  };

  const refresh = (approvalId: string): Promise<void> => {
    const previous = chains.get(approvalId) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        const record = await state.getApproval(approvalId, now());
        if (record) await render(record);
      })
      .catch((error: unknown) => log.error({ approval_id: approvalId, err: String(error) }, 'slack message update failed'));
    chains.set(approvalId, next);
    void next.finally(() => {
      if (chains.get(approvalId) === next) chains.delete(approvalId);
    });
    return track(next);
  };

  const limiter = createPostLimiter(options.postRate, now);

  /** Posts now, or queues the post, or drops it; resolves at once (the post reports its own errors). */
  function announce(record: ApprovalRecord): Promise<void> {
    // A job that starts inside submit() reads `waited` false; one that waited in the queue reads true.
    let waited = false;
    // The post itself is tracked, not the submit: a stop waits for posts under way (a queued
    // one is tracked once it starts; the queue is dropped at close by design).
    const verdict = limiter.submit(options.channel, () => track(post(record, waited)));
    if (verdict === 'queued') waited = true;
    if (verdict === 'dropped') {
      log.warn({ approval_id: record.approvalId, channel: options.channel, waiting: limiter.waiting() }, 'slack post dropped: the channel is over its post rate and its queue is full; the approval stays valid over the HTTP API');
      options.onPostDropped?.(record);
    }
    return Promise.resolve();
  }

  async function post(record: ApprovalRecord, waited: boolean): Promise<void> {
    try {
      if (waited) {
        // Decided over the API, cancelled or expired while it waited: not worth the channel's budget.
        const latest = await state.getApproval(record.approvalId, now());
        if (!latest || latest.status !== 'pending') {
          log.info({ approval_id: record.approvalId, status: latest?.status ?? 'gone' }, 'slack post skipped: the approval was closed before its turn');
          return;
        }
      }
      const rendered = renderApprovalMessage(record, now());
      const posted = await api.postMessage(options.channel, rendered);
      await state.setApprovalNotification(record.approvalId, posted);
      log.info({ approval_id: record.approvalId, channel: posted.channel, ts: posted.ts }, 'approval posted to slack');
      // A vote (over the API) or the expiry may have come while the post was in flight.
      const latest = await state.getApproval(record.approvalId, now());
      if (latest && (latest.status !== record.status || latest.votes.length !== record.votes.length || latest.expiresAt <= now())) {
        await refresh(record.approvalId);
      }
    } catch (error) {
      log.error({ approval_id: record.approvalId, err: String(error) }, 'slack notification failed; the approval stays valid over the HTTP API');
    }
  }

  async function followUp(record: ApprovalRecord, step: 'remind' | 'escalate'): Promise<void> {
    const notification = record.notification;
    if (!notification) {
      log.warn({ approval_id: record.approvalId, step }, 'approval follow-up not posted: its message is not posted yet');
      return;
    }
    const nowMs = now();
    const who = followUpAddressees(record, step, nowMs).map((principal) => mentionOf(principal, options.aliases ?? {}));
    const expires = `<!date^${Math.floor(record.expiresAt / 1000)}^{time}|${new Date(record.expiresAt).toISOString()}>`;
    const approvals = record.votes.filter((vote) => vote.decision === 'approve').length;
    const text =
      step === 'remind'
        ? `:bell: Reminder: this approval is still pending (${approvals} of ${record.quorum}) and expires at ${expires}. Waiting on ${who.join(', ') || 'nobody listed who has not voted'}.`
        : `:rotating_light: Escalated: no decision within ${durationText(record.escalateAfterMs ?? 0)}. ${who.join(', ') || 'The escalation list'} may now vote too (expires at ${expires}).`;
    try {
      await api.reply(notification.channel, notification.ts, text);
    } catch (error) {
      log.error({ approval_id: record.approvalId, step, err: String(error) }, 'slack follow-up failed; the approval stays valid');
    }
  }

  async function sweep(): Promise<void> {
    const nowMs = now();
    for (const [id, forgetAt] of finished) if (forgetAt <= nowMs) finished.delete(id);
    let expired: ApprovalRecord[];
    try {
      expired = await state.listApprovals('expired', nowMs);
    } catch (error) {
      log.warn({ err: String(error) }, 'approval expiry sweep could not list approvals');
      return;
    }
    await Promise.all(expired.filter((record) => record.notification && !finished.has(record.approvalId)).map((record) => refresh(record.approvalId)));
  }

  const interval = options.sweepIntervalMs ?? 15_000;
  const timer = interval > 0 ? setInterval(() => void sweep(), interval) : undefined;
  timer?.unref();

  return {
    announce,
    refresh,
    followUp,
    sweep,
    async whisper(channel, user, text) {
      try {
        await api.postEphemeral(channel, user, text);
      } catch (error) {
        log.warn({ err: String(error) }, 'slack ephemeral message failed');
      }
    },
    async openModal(triggerId, view) {
      try {
        await api.openView(triggerId, view);
        return true;
      } catch (error) {
        log.warn({ err: String(error) }, 'slack views.open failed');
        return false;
      }
    },
    async close(graceMs) {
      if (timer) clearInterval(timer);
      limiter.close();
      // Slack slower than the grace (or down, each call retried): the approval stays valid over
      // the HTTP API, but its message is not posted or not linked (README "Shutdown guarantees").
      await settleWithin(Promise.allSettled([...underWay]), graceMs);
    },
  };
}

/** `15m`, `90s`, `400ms`: the policy's own spelling of a duration, for the thread reply. */
function durationText(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`;
}
