/**
 * Fault drill: the policy file truncated, garbled or replaced while the gate watches it.
 * Oracle: a file that is not a valid policy never replaces the last good one (housekeeping stays
 * allowed, `delete_*` stays denied); a valid replacement takes effect without a restart; every
 * answer meanwhile is fast.
 */
import { rename, writeFile } from 'node:fs/promises';
import type { Category, Exchange } from '../category.js';
import { MCP } from '../agents.js';
import { CAMPAIGN_POLICY } from '../environment.js';
import { parsePolicy } from '../../src/policy/load-policy.js';

const PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
const DELETE = '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_file","arguments":{}}}';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isValidPolicy(text: string): boolean {
  try {
    parsePolicy(text, 'policy.yaml');
    return true;
  } catch {
    return false;
  }
}

export const category: Category = {
  name: 'faults-policy',
  cases: { short: 10, long: 60 },
  sequential: true,
  async start(env) {
    const gate = await env.startGate({ watch: true });
    const good = gate.gate.policy.current().policyVersion;
    const call = async (body: string) => env.check({ ...MCP, body, token: await gate.mint('reader-1') }, gate);
    return {
      async runCase(rng, index) {
        const kind = rng.int(3);
        let text: string;
        let label: string;
        if (kind === 0) {
          const cut = 1 + rng.int(CAMPAIGN_POLICY.length - 1);
          text = CAMPAIGN_POLICY.slice(0, cut);
          label = `truncated at byte ${cut}`;
        } else if (kind === 1) {
          text = rng.pick(['', '\u0000\u0000', 'version: [', 'rules: {}', '{{{{']);
          label = `garbled ${JSON.stringify(text)}`;
        } else {
          text = CAMPAIGN_POLICY.replace('version: "campaign-1"', `version: "campaign-1.${index}"`);
          label = 'replaced with a valid new version';
        }
        const valid = isValidPolicy(text);
        // A plain (non-atomic) write, the way an editor or a careless script does it.
        await writeFile(gate.policyFile, text);
        await sleep(400);
        const exchanges: Exchange[] = [
          { expect: { allow: valid ? 'may' : 'must' }, answer: await call(PING) },
          { expect: { allow: valid ? 'may' : 'never' }, answer: await call(DELETE) },
        ];
        // Restore atomically and wait until the gate serves the good policy again.
        const tmp = `${gate.policyFile}.tmp`;
        await writeFile(tmp, CAMPAIGN_POLICY);
        await rename(tmp, gate.policyFile);
        const deadline = Date.now() + 5_000;
        while (gate.gate.policy.current().policyVersion !== good && Date.now() < deadline) await sleep(50);
        exchanges.push({ expect: { allow: 'must' }, answer: await call(PING) });
        if (gate.gate.policy.current().policyVersion !== good) throw new Error('the gate did not return to the good policy within 5 s');
        return { label, exchanges };
      },
      stop: () => gate.close(),
    };
  },
};
