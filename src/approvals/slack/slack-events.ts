/**
 * Slack's interactivity endpoint, `POST /slack/events` on the gate's HTTP port: a Bolt app
 * behind its HTTPReceiver, whose `requestListener` the gate's router hands the request to.
 *
 * Before Bolt sees a request, the body is bounded and the timestamp checked both ways: Bolt
 * rejects timestamps older than 5 minutes but accepts any future one, and a request signed
 * with a future timestamp could otherwise be replayed for as long as that lies ahead. Bolt then
 * verifies the signature (HMAC-SHA256 with the signing secret over `v0:ts:body`) itself.
 *
 * A click is acknowledged first (Slack wants an answer within 3 s), then counted through the
 * same {@link ApprovalService} as the HTTP API; a click that does not count is explained to
 * its author alone (ephemeral message). A click whose vote needs a reason (`require_reason`)
 * counts nothing: it opens the reason modal, and the vote is cast when Slack sends the modal's
 * `view_submission` (reason-modal.ts) — the voter checked again, a blank reason refused with
 * `response_action: errors` so the modal stays open.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, type BlockAction, type ButtonAction, type ViewSubmitAction } from '@slack/bolt';
import type { Logger } from '../../log/logger.js';
import type { HttpRoute } from '../../lib/http-routes.js';
import type { ApprovalService, VoteOutcome } from '../approval-service.js';
import { BodyError, readBody } from '../http/read-body.js';
import { MAX_REASON_LENGTH, normalizeReason } from '../reason-rule.js';
import { APPROVE_ACTION, DENY_ACTION } from './blocks.js';
import { parseReasonModalState, REASON_BLOCK, REASON_CALLBACK, REASON_INPUT, renderReasonModal } from './reason-modal.js';
import { createSlackLogger } from './slack-logger.js';
import type { SlackNotifier } from './slack-notifier.js';

/** Largest timestamp difference accepted, either way (Slack's documented 5 minutes). */
export const MAX_TIMESTAMP_SKEW_S = 300;

/** Options of {@link createSlackEvents}. */
export interface SlackEventsOptions {
  readonly signingSecret: string;
  readonly botToken: string;
  readonly apiUrl: string;
  readonly service: ApprovalService;
  readonly notifier: SlackNotifier;
  readonly log: Logger;
  readonly now: () => number;
  /** Largest accepted body (default 256 KiB: interactive payloads carry the whole message). */
  readonly maxBodyBytes?: number;
}

/** The `/slack/events` route. */
export function createSlackEvents(options: SlackEventsOptions): HttpRoute {
  const { service, notifier, log } = options;
  const slackLogger = createSlackLogger(log);
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    endpoints: ['/slack/events'],
    logger: slackLogger,
    // Ack at once; the listener keeps running after the HTTP answer.
    processBeforeResponse: false,
  });
  const app = new App({
    receiver,
    logger: slackLogger,
    // One workspace, one bot token: no auth.test round trip before the first click.
    authorize: () => Promise.resolve({ botToken: options.botToken }),
    ignoreSelf: false,
    clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 0 }, allowAbsoluteUrls: false },
  });

  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: new RegExp(`^(${APPROVE_ACTION}|${DENY_ACTION})$`) }, async ({ ack, body, action }) => {
    await ack();
    const decision = action.action_id === APPROVE_ACTION ? 'approve' : 'deny';
    const user = body.user.id;
    const channel = body.channel?.id;
    const approvalId = action.value ?? '';
    const principal = `slack:${user}`;
    const check = await service.checkVoter(approvalId, principal, decision, options.now());
    if (check.ok && check.reasonRequired) {
      const what = check.record.kind === 'break_glass' ? `the break-glass grant for ${check.record.agentId}` : `${check.record.tool ?? 'this call'} by ${check.record.agentId}`;
      const opened = await notifier.openModal(body.trigger_id, renderReasonModal({ approvalId, decision, ...(channel ? { channel } : {}) }, what));
      if (!opened && channel) await notifier.whisper(channel, user, 'This vote needs a reason, but the reason dialog could not be opened; please click again.');
      return;
    }
    // A refused check is not final (the escalation may open meanwhile): the vote decides.
    const note = noteFor(await service.vote(approvalId, principal, decision, 'slack', options.now()));
    if (note && channel) await notifier.whisper(channel, user, note);
  });
  app.view<ViewSubmitAction>({ type: 'view_submission', callback_id: REASON_CALLBACK }, async ({ ack, body, view }) => {
    const state = parseReasonModalState(view.private_metadata);
    const reason = normalizeReason(view.state.values[REASON_BLOCK]?.[REASON_INPUT]?.value ?? undefined);
    if (!state) {
      await ack({ response_action: 'errors', errors: { [REASON_BLOCK]: 'This dialog is not one dutygate opened; nothing was counted.' } });
      return;
    }
    if (reason === undefined) {
      // Slack keeps the modal open and shows the error under the input.
      await ack({ response_action: 'errors', errors: { [REASON_BLOCK]: `A reason is required to ${state.decision} this request.` } });
      return;
    }
    // Slack enforces the input's max_length in the client; the bound is the gate's, whatever sent it.
    if (reason.length > MAX_REASON_LENGTH) {
      await ack({ response_action: 'errors', errors: { [REASON_BLOCK]: `A reason may be at most ${MAX_REASON_LENGTH} characters.` } });
      return;
    }
    await ack();
    const user = body.user.id;
    const note = noteFor(await service.vote(state.approvalId, `slack:${user}`, state.decision, 'slack', options.now(), reason));
    if (note && state.channel) await notifier.whisper(state.channel, user, note);
  });
  app.error((error) => {
    log.error({ err: error.message }, 'slack click handling failed');
    return Promise.resolve();
  });

  const maxBodyBytes = options.maxBodyBytes ?? 262_144;
  return async (request: IncomingMessage, _url: URL, response: ServerResponse) => {
    const stamp = Number(request.headers['x-slack-request-timestamp']);
    if (!Number.isInteger(stamp) || Math.abs(options.now() / 1000 - stamp) > MAX_TIMESTAMP_SKEW_S) {
      log.warn({ path: '/slack/events' }, 'slack request refused: timestamp missing or more than 5 minutes away');
      request.resume();
      return { status: 401, body: { code: 'SLACK_TIMESTAMP', message: 'x-slack-request-timestamp is missing or more than 5 minutes from now' } };
    }
    try {
      // Bolt reads `rawBody` when present instead of the (now consumed) stream.
      (request as IncomingMessage & { rawBody?: Buffer }).rawBody = await readBody(request, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyError) return { status: 413, body: { code: error.code, message: error.message } };
      throw error;
    }
    const done = new Promise<void>((resolve) => {
      response.once('finish', resolve);
      response.once('close', resolve);
    });
    receiver.requestListener(request, response);
    await done;
    return undefined;
  };
}

/** What to tell the voter alone about their vote, if anything. */
function noteFor(outcome: VoteOutcome): string | undefined {
  if (outcome.ok) return outcome.result === 'duplicate' ? 'Your vote on this approval was already counted.' : undefined;
  return CLICK_REFUSALS[outcome.code];
}

const CLICK_REFUSALS: Readonly<Record<string, string>> = {
  APPROVER_IS_INITIATOR: 'You initiated this workflow, so your approval does not count (separation of duties).',
  APPROVER_NOT_LISTED: 'You are not a listed approver of this request; your click was not counted.',
  APPROVAL_CLOSED: 'This approval is already decided, cancelled or has expired.',
  APPROVAL_NOT_FOUND: 'This approval no longer exists.',
  APPROVAL_REASON_REQUIRED: 'This vote needs a reason; it was not counted.',
};
