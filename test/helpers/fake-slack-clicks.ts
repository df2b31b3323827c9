/**
 * Signed Slack interactivity requests, as Slack sends them to `/slack/events`: a
 * `block_actions` payload (a button click) or a `view_submission` (a modal submitted), form-encoded, signed `v0=HMAC-SHA256(secret, "v0:" + ts + ":" + body)`
 * with `x-slack-request-timestamp` (Slack's "Verifying requests from Slack").
 */
import { createHmac } from 'node:crypto';

/** One button click. */
export interface ClickSpec {
  readonly user: string;
  readonly approvalId: string;
  readonly action: 'approve' | 'deny';
  readonly channel?: string;
  readonly messageTs?: string;
  /** The click's trigger_id (default `123.456.abc`): what `views.open` must be called with. */
  readonly triggerId?: string;
}

/** One modal submission: the view as `views.open` received it, and what the user typed. */
export interface ViewSubmissionSpec {
  readonly user: string;
  /** The `view` argument of the `views.open` call (callback_id, private_metadata, blocks). */
  readonly view: Record<string, unknown>;
  /** The input's value; undefined as Slack sends an input left empty (`null`). */
  readonly reason: string | undefined;
}

/** Options to break the request on purpose. */
export interface SendOptions {
  /** Seconds since the epoch (default now). */
  readonly timestamp?: number;
  /** Sign with this secret instead (a forgery). */
  readonly signWith?: string;
  /** Replace the signature header entirely. */
  readonly signature?: string;
}

/** The form body of a `block_actions` payload for `spec`. */
export function clickBody(spec: ClickSpec): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0TEAM', domain: 'example' },
    user: { id: spec.user, username: spec.user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0DUTYGATE',
    token: 'legacy-verification-token',
    trigger_id: spec.triggerId ?? '123.456.abc',
    channel: { id: spec.channel ?? 'C0APPROVALS', name: 'approvals' },
    message: { type: 'message', ts: spec.messageTs ?? '1700000000.000001', text: 'approval' },
    container: { type: 'message', message_ts: spec.messageTs ?? '1700000000.000001', channel_id: spec.channel ?? 'C0APPROVALS' },
    response_url: 'https://hooks.slack.invalid/actions/T0TEAM/1/abc',
    actions: [
      {
        type: 'button',
        action_id: spec.action === 'approve' ? 'dutygate_approve' : 'dutygate_deny',
        block_id: `dutygate:${spec.approvalId}`,
        value: spec.approvalId,
        text: { type: 'plain_text', text: spec.action === 'approve' ? 'Approve' : 'Deny' },
        action_ts: '1700000000.123456',
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The form body of a `view_submission` payload for `spec` (the input block `reason` / `reason_input`). */
export function viewSubmissionBody(spec: ViewSubmissionSpec): string {
  const payload = {
    type: 'view_submission',
    team: { id: 'T0TEAM', domain: 'example' },
    user: { id: spec.user, username: spec.user.toLowerCase(), name: spec.user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0DUTYGATE',
    token: 'legacy-verification-token',
    trigger_id: '789.012.def',
    view: {
      id: 'V00000001',
      team_id: 'T0TEAM',
      type: 'modal',
      blocks: spec.view.blocks,
      private_metadata: spec.view.private_metadata,
      callback_id: spec.view.callback_id,
      state: { values: { reason: { reason_input: { type: 'plain_text_input', value: spec.reason ?? null } } } },
      hash: '1700000000.abcdef',
      title: spec.view.title,
      clear_on_close: false,
      notify_on_close: false,
      close: spec.view.close ?? null,
      submit: spec.view.submit ?? null,
      previous_view_id: null,
      root_view_id: 'V00000001',
      app_id: 'A0DUTYGATE',
      external_id: '',
      app_installed_team_id: 'T0TEAM',
      bot_id: 'B0DUTYGATE',
    },
    response_urls: [],
    is_enterprise_install: false,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Slack's request signature. */
export function signSlack(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Posts a signed click to `${httpUrl}/slack/events`. */
export async function sendClick(httpUrl: string, secret: string, spec: ClickSpec, options: SendOptions = {}): Promise<Response> {
  return sendSigned(httpUrl, secret, clickBody(spec), options);
}

/** Posts a signed modal submission to `${httpUrl}/slack/events`. */
export async function sendViewSubmission(httpUrl: string, secret: string, spec: ViewSubmissionSpec, options: SendOptions = {}): Promise<Response> {
  return sendSigned(httpUrl, secret, viewSubmissionBody(spec), options);
}

async function sendSigned(httpUrl: string, secret: string, body: string, options: SendOptions): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = options.signature ?? signSlack(options.signWith ?? secret, timestamp, body);
  return fetch(`${httpUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
    body,
  });
}
