/**
 * The Slack notifier: one message per approval in `slack.channel`, posted after the Check has
 * answered, then updated in place from the stored record — on every counted vote, on the
 * outcome, and on expiry (a sweeper finds expired records whose message still shows buttons).
 * Updates of one approval run one after another and always render the latest stored state, so
 * two quick clicks can never leave an older rendering on top.
 */
import type { Logger } from '../../log/logger.js';
import type { ApprovalRecord } from '../../state/approval-record.js';
import type { StateStore } from '../../state/state-store.js';
import type { ApprovalNotifier } from '../notifier.js';
import { renderApprovalMessage, type Block } from './blocks.js';
import type { SlackApi } from './slack-api.js';

/** Options of {@link createSlackNotifier}. */
export interface SlackNotifierOptions {
  readonly api: SlackApi;
  readonly channel: string;
  readonly state: StateStore;
  readonly log: Logger;
  readonly now: () => number;
  /** How often expired approvals are looked for (default 15s; 0 disables the timer). */
  readonly sweepIntervalMs?: number;
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
    return next;
  };

  async function announce(record: ApprovalRecord): Promise<void> {
    try {
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
    close() {
      if (timer) clearInterval(timer);
    },
  };
}
