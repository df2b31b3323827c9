/**
 * Forged decision logs against `audit verify` (issue 19 item 6). A gate writes a real, chained
 * decision log; each case takes it, forges one line the way an insider editing the evidence
 * would — a repeated key that first-wins readers show (`"decision":"deny",` prepended to an
 * allow), re-spacing, a re-escaped character, an edited value, a dropped or swapped line — and
 * hands it to the verifier. Oracle: every forgery is refused (an accepted one is a wrong allow),
 * and the untouched log verifies.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyAuditLog } from '../../src/audit/verify-log.js';
import type { Category, Exchange } from '../category.js';
import { MCP } from '../agents.js';

const PING = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
/** Decision lines the log holds before the cases start. */
const RECORDS = 12;

/** One way to forge a line set; undefined when it does not apply to the chosen line. */
type Forgery = (lines: string[], at: number) => string | undefined;

const FORGERIES: Record<string, Forgery> = {
  // JSON.parse keeps the last of two equal keys; first-wins readers and log tools show the first.
  'a repeated key shown first': (lines, at) => setLine(lines, at, lines[at]!.replace('{', '{"decision":"deny",')),
  'a repeated key shown last': (lines, at) => setLine(lines, at, lines[at]!.replace(/}$/, ',"code":"OK"}')),
  'extra whitespace': (lines, at) => setLine(lines, at, lines[at]!.replace('":', '": ')),
  'a re-escaped character': (lines, at) => {
    const match = /"agent_id":"([^"\\])/.exec(lines[at]!);
    if (!match) return undefined;
    const escaped = `\\u${match[1]!.charCodeAt(0).toString(16).padStart(4, '0')}`;
    return setLine(lines, at, lines[at]!.replace(`"agent_id":"${match[1]!}`, `"agent_id":"${escaped}`));
  },
  'an edited value': (lines, at) => {
    const line = lines[at]!;
    const edited = line.includes('"decision":"deny"') ? line.replace('"decision":"deny"', '"decision":"allow"') : line.replace(/"decision":"[a-z_]+"/, '"decision":"deny"');
    return setLine(lines, at, edited);
  },
  'a dropped line': (lines, at) => (at === 0 || at === lines.length - 1 ? undefined : (lines.splice(at, 1), 'dropped')),
  'two lines swapped': (lines, at) => (at === lines.length - 1 ? undefined : ([lines[at], lines[at + 1]] = [lines[at + 1]!, lines[at]!], 'swapped')),
};

function setLine(lines: string[], at: number, line: string): string | undefined {
  if (line === lines[at]) return undefined;
  lines[at] = line;
  return 'edited';
}

export const category: Category = {
  name: 'audit-log',
  cases: { short: 300, long: 3_000 },
  async start(env) {
    const gate = await env.startGate({ audit: 'audit: { decision_log: ./decisions.jsonl }' });
    for (let i = 0; i < RECORDS; i++) await env.check({ ...MCP, body: PING, token: await gate.mint(`reader-${i % 3}`) }, gate);
    const file = join(gate.dir, 'decisions.jsonl');
    // The decision log is written after each answer: wait for every line (bounded).
    let lines: string[] = [];
    for (let tries = 0; tries < 100 && lines.length < RECORDS; tries++) {
      lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((line) => line.includes('"type":"decision"'));
      if (lines.length < RECORDS) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (lines.length < RECORDS) throw new Error(`the decision log holds ${lines.length} of ${RECORDS} records`);
    const names = Object.keys(FORGERIES);
    return {
      runCase(rng) {
        const started = performance.now();
        const clean = verifyAuditLog([{ file: 'decisions.jsonl', text: `${lines.join('\n')}\n` }]);
        const exchanges: Exchange[] = [];
        if (!clean.ok) exchanges.push({ verdict: { accepted: true, detail: `the untouched log was refused: ${clean.finding.message}`, ms: 0 } });
        const forged = [...lines];
        let name = '';
        let done: string | undefined;
        // A forgery that does not apply to the drawn line (no change) is drawn again.
        for (let tries = 0; tries < 20 && done === undefined; tries++) {
          name = rng.pick(names);
          done = FORGERIES[name]!(forged, rng.int(forged.length));
        }
        if (done === undefined) throw new Error('no forgery applied');
        const result = verifyAuditLog([{ file: 'decisions.jsonl', text: `${forged.join('\n')}\n` }]);
        const ms = performance.now() - started;
        exchanges.push({ verdict: { accepted: result.ok, detail: `a log with ${name} verified ok`, ms } });
        return Promise.resolve({ label: `forged with ${name}`, exchanges });
      },
      async stop() {
        await gate.close();
      },
    };
  },
};
