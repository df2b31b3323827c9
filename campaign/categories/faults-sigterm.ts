/**
 * Fault drill: a stop under load (issue 13 item 6, the in-process half of
 * test/integration/sigterm-drain.test.ts). A gate on a PRIVATE redis-server takes a burst of
 * duty drafts; Redis freezes so they are certainly under way, the gate is told to stop, Redis
 * thaws. Oracle: every Check taken before the stop is answered — allowed, never an RPC error —
 * and a second gate on the same store denies each drafter's approval of its own payment
 * (SOD_DUTY_CONFLICT): a draft step lost in the stop would turn that into a wrong allow.
 */
import { rm } from 'node:fs/promises';
import type { Category, Exchange } from '../category.js';
import { startOwnedRedis } from '../../test/helpers/redis-server.js';

const POLICY = `version: "campaign-sigterm"
default: deny
tools:
  - { name: payments.create, match: { method: POST, path: /payments } }
  - { name: payments.approve, match: { method: POST, path: "/payments/{payment_id}/approve" } }
duties:
  payment:
    resource: { param: payment_id, pattern: "^pay_[a-z0-9]{1,32}$" }
    steps: { draft: [payments.create], approve: [payments.approve] }
    distinct: [draft, approve]
rules:
  - { id: draft, tools: [payments.create], require: { parent_agent_id: true }, effect: allow }
  - { id: approve, tools: [payments.approve], require: { duty: payment }, effect: allow }
`;
const BURST = 24;

const underWay = (load: { inFlight: number; queued: number }) => load.inFlight + load.queued;

export const category: Category = {
  name: 'faults-sigterm',
  cases: { short: 3, long: 15 },
  sequential: true,
  async start(env) {
    const redis = await startOwnedRedis();
    return {
      async runCase(_rng, index) {
        // Roomy deadlines: the drill judges what a stop loses, not speed on a loaded machine.
        const configExtra = `state: { driver: redis, url: "${redis.url}", prefix: "sigterm${index}:", timeout: 2s }\nlimits: { check_timeout: 900ms }`;
        const first = await env.startGate({ policy: POLICY, configExtra });
        const drafts = await Promise.all(
          Array.from({ length: BURST }, async (_, i) => ({ payment: `pay_${index}x${i}`, ...(await first.mintDelegated(`finance-${index}-${i}`, [`planner-${index}-${i}`])) })),
        );
        // Redis frozen: every Check the gate takes waits on it, so the stop begins with all of
        // them under way (the gate counts them) and must answer them once Redis is back.
        redis.freeze();
        const answers = drafts.map((draft) =>
          env.check({ method: 'POST', path: '/payments', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payment_id: draft.payment }), token: draft.token, chain: draft.chain }, first),
        );
        const takenBy = Date.now() + 3_000;
        while (underWay(first.gate.checksUnderWay()) < BURST && Date.now() < takenBy) await new Promise((resolve) => setTimeout(resolve, 5));
        const stopping = first.gate.close();
        await new Promise((resolve) => setTimeout(resolve, 50));
        redis.thaw();
        const exchanges: Exchange[] = (await Promise.all(answers)).map((answer) => ({ expect: { allow: 'must' }, answer }));
        await stopping;
        first.client.close();
        await rm(first.dir, { recursive: true, force: true });

        const second = await env.startGate({ policy: POLICY, configExtra, agentKeys: first.agentKeys });
        try {
          for (const [i, draft] of drafts.entries()) {
            const again = await second.mintDelegated(`finance-${index}-${i}`, [`planner-${index}-${i}`]);
            exchanges.push({ expect: { allow: 'never', codes: ['SOD_DUTY_CONFLICT'] }, answer: await env.check({ method: 'POST', path: `/payments/${draft.payment}/approve`, ...again }, second) });
          }
        } finally {
          await second.close();
        }
        return { label: `stop with ${BURST} drafts under way`, exchanges };
      },
      async stop() {
        redis.thaw();
        await redis.kill();
      },
    };
  },
};
