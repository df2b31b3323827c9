import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../../src/audit/decision-record.js';
import { formatShadowReport } from '../../../src/policy-replay/format-replay.js';
import { readDecisionLog, type LogStats } from '../../../src/policy-replay/read-decision-log.js';
import { createShadowReport } from '../../../src/policy-replay/shadow-report.js';
import { parseWindow } from '../../../src/policy-replay/time-window.js';
import { record } from './fixtures.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 21, 10, minute)).toISOString();
const wouldBlock = (fields: Partial<DecisionRecord>) => record({ shadow: true, would_block: true, ...fields });

describe('decision log reading and the shadow report', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dutygate-log-'));
    file = join(dir, 'decisions.jsonl');
    const lines = [
      record({ time: at(0), shadow: true }),
      wouldBlock({ time: at(1), agent_id: 'intern', rule_id: null, would_block_code: 'NO_RULE' }),
      wouldBlock({ time: at(2), agent_id: 'intern', rule_id: 'no-export', would_block_code: 'POLICY_DENY', tool: 'records.export', reason: 'nope' }),
      wouldBlock({ time: at(3), agent_id: 'analyst', rule_id: 'no-export', would_block_code: 'POLICY_DENY', tool: 'records.export' }),
      record({ time: at(4), decision: 'deny', code: 'POLICY_DENY', rule_id: 'wire-stop', policy_version: 'v2+000000000002' }),
      wouldBlock({ time: at(30), rule_id: 'no-export', would_block_code: 'POLICY_DENY' }),
    ].map((r) => JSON.stringify(r));
    lines.splice(2, 0, '{"v":1,"type":"approval","event":"created"}', 'not json', '{"v":2,"type":"decision"}', '', '{"v":1,"type":"decision","decision_id":"x"}');
    await writeFile(file, `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const read = async (window = {}): Promise<{ log: LogStats; records: DecisionRecord[] }> => {
    const records: DecisionRecord[] = [];
    const log = await readDecisionLog([file], window, (r) => records.push(r));
    return { log, records };
  };

  it('hands on decisions only; counts approval events, malformed lines and unknown versions', async () => {
    const { log, records } = await read();
    expect(records).toHaveLength(6);
    expect(log).toEqual({ lines: 10, decisions: 6, approvalEvents: 1, outsideWindow: 0, malformed: 2, unknownVersion: 1, firstMalformed: `${file}:4` });
  });

  it('filters by a time window', async () => {
    const { log, records } = await read(parseWindow({ since: at(1), until: '2026-11-21T10:04:00Z' }, 0));
    expect(records.map((r) => r.time)).toEqual([at(1), at(2), at(3)]);
    expect(log.outsideWindow).toBe(3);
  });

  it.each([
    [{ since: '24h' }, { since: 1_000_000_000 - 86_400_000 }],
    [{ since: '2026-11-21' }, { since: Date.UTC(2026, 10, 21) }],
    [{ until: '2026-11-21T10:00:00+01:00' }, { until: Date.UTC(2026, 10, 21, 9) }],
  ])('parses the window %j', (options, want) => {
    expect(parseWindow(options, 1_000_000_000)).toEqual(want);
  });

  it.each([
    [{ since: 'yesterday' }, "--since must be an RFC 3339 time (2026-11-21T10:00:00Z), a date (2026-11-21) or a duration back from now (24h, 7d); got 'yesterday'"],
    [{ since: '1h', until: '2h' }, '--since must be before --until'],
  ])('refuses the window %j', (options, message) => {
    expect(() => parseWindow(options, 1_000_000_000)).toThrow(message);
  });

  it('counts would-blocks per rule, agent, tool and policy version, with examples', async () => {
    const report = createShadowReport({ examples: 1 });
    for (const r of (await read(parseWindow({ until: at(10) }, 0))).records) report.add(r);
    const result = report.result();
    expect(result).toMatchObject({ decisions: 5, shadow: 4, wouldBlock: 3, blocked: 1 });
    expect(result.byRule).toEqual({
      'no-export': { wouldBlock: 2, codes: { POLICY_DENY: 2 }, firstSeen: at(2), lastSeen: at(3) },
      '(default)': { wouldBlock: 1, codes: { NO_RULE: 1 }, firstSeen: at(1), lastSeen: at(1) },
    });
    expect(Object.keys(result.byRule)).toEqual(['no-export', '(default)']);
    expect(result.byAgent.intern?.wouldBlock).toBe(2);
    expect(result.byTool['records.export']?.wouldBlock).toBe(2);
    expect(result.byPolicyVersion).toEqual({ 'v1+000000000001': { decisions: 4, wouldBlock: 3 }, 'v2+000000000002': { decisions: 1, wouldBlock: 0 } });
    expect(result.examples['no-export']).toEqual([expect.objectContaining({ time: at(2), agentId: 'intern', code: 'POLICY_DENY', reason: 'nope' })]);
    const text = formatShadowReport(result, { lines: 5, decisions: 5, approvalEvents: 0, outsideWindow: 1, malformed: 0, unknownVersion: 0 });
    expect(text[0]).toBe('5 decision(s): 4 decided in shadow mode, 3 would have been blocked, 1 blocked');
    expect(text).toContain(`  no-export: 2 (POLICY_DENY 2; ${at(2)} … ${at(3)})`);
  });
});
