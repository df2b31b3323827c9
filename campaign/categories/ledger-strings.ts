/**
 * Attacker strings on their way into the duty ledger (issue 19 item 2), on a Redis-backed gate:
 * issuer-signed `agent_id`, `initiator` and resource ids with unpaired surrogates (a display
 * name cut mid-emoji), JSON and Lua-pattern metacharacters, separators (`:`, `%`), hash-tag
 * braces and non-ASCII. One such string used to make a ledger member Redis's cjson could not
 * decode, failing every later commit on that (duty, resource) key for the ledger TTL. Oracle:
 * a hostile actor may be refused, never allowed with an ill-formed identifier; and afterwards
 * the same payment's key still works — a clean draft by one agent is allowed, its approval by the
 * same agent is SOD_DUTY_CONFLICT (never STATE_UNAVAILABLE), by another agent allowed.
 */
import { isWellFormedUtf16 } from '../../src/lib/text.js';
import type { Category, Exchange, Expectation } from '../category.js';
import { redisGateState } from '../shared-redis.js';
import type { Rng } from '../rng.js';

const POLICY = `version: "campaign-ledger"
default: deny
tools:
  - { name: pay.draft, match: { method: POST, host: payments.internal, path: "/payments/{payment_id}" } }
  - { name: pay.approve, match: { method: POST, host: payments.internal, path: "/payments/{payment_id}/approve" } }
duties:
  payment:
    resource: { param: payment_id, pattern: "^[a-z0-9][a-z0-9_-]{0,63}$" }
    steps: { draft: [pay.draft], approve: [pay.approve] }
    distinct: [draft, approve]
rules:
  - { id: draft, tools: [pay.draft], effect: allow }
  - { id: approve, tools: [pay.approve], require: { duty: payment }, effect: allow }
`;

const HOSTILE = ['\ud800', '\udfff', '\ud83d', 'x\ud800y', '"]', '\\u0000', '%', '%25', ':', '{t}', '}{', '[', '%a', '€', '\u{1F600}', "'", '--', 'nil', '2:x:y'];

/** `finance-` plus one or two hostile fragments. */
function hostileId(rng: Rng, stem: string): string {
  return `${stem}${rng.pick(HOSTILE)}${rng.chance(0.5) ? rng.pick(HOSTILE) : ''}`;
}


export const category: Category = {
  name: 'ledger-strings',
  cases: { short: 400, long: 4_000 },
  async start(env) {
    const redis = await redisGateState('campaign-ledger');
    const gate = await env.startGate({ policy: POLICY, ...(redis ? { configExtra: redis.configExtra } : {}) });
    const draft = (id: string) => ({ method: 'POST', host: 'payments.internal', path: `/payments/${id}`, headers: { 'content-type': 'application/json' }, body: '{}' });
    const approve = (id: string) => ({ ...draft(id), path: `/payments/${id}/approve` });
    return {
      async runCase(rng, index) {
        const payment = `p-ls${index}`;
        const agentId = hostileId(rng, 'finance-');
        const initiator = rng.chance(0.5) ? hostileId(rng, 'sso:') : undefined;
        const hostile: Expectation = isWellFormedUtf16(agentId) && (initiator === undefined || isWellFormedUtf16(initiator)) ? { allow: 'may' } : { allow: 'never' };
        const token = await gate.mint(agentId, initiator === undefined ? {} : { initiator });
        const exchanges: Exchange[] = [{ expect: hostile, answer: await env.check({ ...draft(payment), token }, gate) }];
        // The key must still work for everyone else, whatever the hostile call did.
        exchanges.push({ expect: { allow: 'must' }, answer: await env.check({ ...draft(payment), token: await gate.mint('clean-drafter') }, gate) });
        exchanges.push({ expect: { allow: 'never', codes: ['SOD_DUTY_CONFLICT'] }, answer: await env.check({ ...approve(payment), token: await gate.mint('clean-drafter') }, gate) });
        exchanges.push({ expect: { allow: 'must' }, answer: await env.check({ ...approve(payment), token: await gate.mint('clean-approver') }, gate) });
        return { label: `agent ${JSON.stringify(agentId)}${initiator === undefined ? '' : ` for ${JSON.stringify(initiator)}`} (${redis ? 'redis' : 'memory'})`, exchanges };
      },
      async stop() {
        await gate.close();
        await redis?.cleanup();
      },
    };
  },
};
