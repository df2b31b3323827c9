/**
 * Fault drill: Slack's Web API answering 500, 429 with Retry-After, or slowly (a timeout for the
 * gate's client), while agents hit an approval_needed rule (ops.restart). Oracle: Slack is never
 * awaited inside a Check — every answer is a fast APPROVAL_REQUIRED deny with its approval id,
 * whatever Slack does — and once Slack recovers the approval message is posted (no restart).
 */
import type { Category, Exchange } from '../category.js';
import { startFakeSlack } from '../../test/helpers/fake-slack.js';

const RESTART = { method: 'POST', host: 'ops.internal', path: '/restart', headers: { 'content-type': 'application/json' } } as const;

export const category: Category = {
  name: 'faults-slack',
  cases: { short: 6, long: 30 },
  sequential: true,
  async start(env) {
    const slack = await startFakeSlack();
    const gate = await env.startGate({
      configExtra: `slack: { bot_token: xoxb-campaign, signing_secret: campaign-secret, channel: C0APPROVALS, api_url: "${slack.url}" }`,
      gateOptions: { approvals: { slackRetry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 2_000 }, sweepIntervalMs: 0 } },
    });
    return {
      async runCase(rng, index) {
        const fault = rng.pick(['500', '429', 'slow'] as const);
        if (fault === '500') slack.failNext('chat.postMessage', { status: 500 }, { status: 500 }, { status: 500 });
        if (fault === '429') slack.failNext('chat.postMessage', { status: 429, headers: { 'retry-after': '1' } });
        slack.delayMs = fault === 'slow' ? 3_000 : 0;
        const posted = slack.succeeded('chat.postMessage').length;
        const exchanges: Exchange[] = [];
        // Distinct params: each call is its own approval request. One agent per case: pending
        // approvals are capped per agent (limits.max_pending_approvals), and these never settle.
        const answers = await Promise.all(
          Array.from({ length: 5 }, async (_, i) => env.check({ ...RESTART, body: JSON.stringify({ ticket: `t-${index}-${i}` }), token: await gate.mint(`ops-${index}`) }, gate)),
        );
        for (const answer of answers) {
          const check = answer.summary?.body?.approval_id;
          exchanges.push({ expect: { allow: 'never', codes: ['APPROVAL_REQUIRED'] }, answer });
          if (answer.summary?.grpcCode !== 0 && typeof check !== 'string') throw new Error('an approval_needed answer without approval_id');
        }
        slack.delayMs = 0;
        // Recovery: every approval of this case gets its message once Slack answers again (the
        // 500 case may exhaust its retries: at least the later ones are posted).
        await slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200).length >= posted + (fault === '500' ? 1 : 5), 15_000);
        return { label: `Slack ${fault}`, exchanges };
      },
      async stop() {
        await gate.close();
        await slack.close();
      },
    };
  },
};
