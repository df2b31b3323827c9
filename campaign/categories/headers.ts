/**
 * Headers the agent adds to a call the policy grants (records.update, sanitized with
 * `x-reviewed-by: dutygate`) or to payments.create: forged `x-dutygate-*`, forged rule headers,
 * forged identity headers, method overrides by header or `_method`, repeated and huge headers.
 * Oracle: an allowed call's upstream never sees a client `x-dutygate-*`, a client `x-reviewed-by`
 * (unless the gate sets it), a forged identity; method overrides are denied (default config).
 */
import type { CheckSummary } from '../../test/helpers/envoy-client.js';
import type { Category, Expectation } from '../category.js';
import { financeAgent, PAYMENTS, RECORDS } from '../agents.js';

const FORGED = ['x-dutygate-approval-id', 'x-dutygate-decision', 'x-dutygate-anything', 'X-Dutygate-Break-Glass', 'x-dutygate-decision-id', 'x-dutygate-override'];
const OVERRIDES = ['x-http-method-override', 'X-HTTP-Method', 'x-method-override'];

export const category: Category = {
  name: 'headers',
  cases: { short: 1_500, long: 15_000 },
  start(env) {
    return {
      async runCase(rng, index) {
        const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
        const sent: string[] = [];
        for (let i = rng.int(4); i > 0; i--) {
          const name = rng.pick(FORGED);
          headers[name] = rng.chance(0.2) ? ['a', 'b'] : 'forged';
          sent.push(name.toLowerCase());
        }
        const forgeReview = rng.chance(0.4);
        if (forgeReview) headers['x-reviewed-by'] = 'dutygate';
        if (rng.chance(0.3)) headers['x-agent-id'] = 'admin';
        if (rng.chance(0.3)) headers['x-parent-agent-id'] = 'root';
        const overrideHeader = rng.chance(0.15) ? rng.pick(OVERRIDES) : undefined;
        if (overrideHeader) headers[overrideHeader] = rng.pick(['DELETE', 'PUT', 'post']);
        const overrideQuery = rng.chance(0.1) ? rng.pick(['?_method=DELETE', '?_METHOD=delete', '?a=1&_method=PUT']) : '';
        if (rng.chance(0.05)) headers['x-big'] = 'y'.repeat(20_000 + rng.int(60_000));
        const toRecords = rng.chance(0.6);
        const target = toRecords
          ? { ...RECORDS, path: `/records/r${index}${overrideQuery}`, body: JSON.stringify({ status: 'open' }), token: await env.gate.mint('writer-1') }
          : { ...PAYMENTS, path: `/payments${overrideQuery}`, body: JSON.stringify({ payment_id: `p-h${index}`, amount: 1, destination: 'acct_ABCDEFGH12' }), ...(await financeAgent(env.gate)) };
        const check = (summary: CheckSummary): string | undefined => {
          const removed = new Set(summary.headersToRemove.map((name) => name.toLowerCase()));
          for (const name of sent) {
            const setByGate = summary.headers[name] !== undefined;
            if (!removed.has(name) && !setByGate) return `client ${name} reaches the upstream`;
          }
          if (forgeReview && !removed.has('x-reviewed-by') && summary.headers['x-reviewed-by']?.value !== 'dutygate') return 'client x-reviewed-by reaches the upstream';
          if (forgeReview && !toRecords && !removed.has('x-reviewed-by')) return 'client x-reviewed-by reaches an upstream no rule vouched for';
          if (summary.headers['x-agent-id']?.value === 'admin') return 'forged x-agent-id';
          if (headers['x-parent-agent-id'] !== undefined && summary.headers['x-parent-agent-id']?.value !== 'planner' && !removed.has('x-parent-agent-id')) return 'forged x-parent-agent-id';
          return undefined;
        };
        const expect: Expectation = overrideHeader || overrideQuery ? { allow: 'never', codes: ['METHOD_OVERRIDE', 'HEADERS_TOO_LARGE'] } : { allow: 'may', check };
        const answer = await env.check({ ...target, headers });
        return { label: `${toRecords ? 'records' : 'payments'} ${Object.keys(headers).join(',')} ${overrideQuery}`, exchanges: [{ expect, answer }] };
      },
    };
  },
};
