/**
 * `dutygate audit verify` as an auditor runs it on exported decision logs (the built CLI; `npm
 * test` builds first): exit 0 with the head, exit 1 naming the first tampered record.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainedLog } from '../unit/audit/chained-log.js';


const dutygate = (...args: string[]) => runCli(args);

describe('dutygate audit verify', () => {
  let dir: string;
  let lines: string[];
  const file = (name: string, content: readonly string[]) => {
    const path = join(dir, name);
    return writeFile(path, `${content.join('\n')}\n`).then(() => path);
  };
  const stamp = (line: string) => (JSON.parse(line) as { audit: { seq: number; hash: string } }).audit;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dutygate-audit-cli-'));
    lines = await chainedLog(5);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts an untouched log and prints its head', async () => {
    const head = stamp(lines[4]!);
    const result = await dutygate('audit', 'verify', await file('ok.jsonl', lines), '--head', `${head.seq}:${head.hash}`);
    expect(result).toMatchObject({ code: 0, stdout: `ok: 5 records (seq 1..5), head 5:${head.hash}\nhead: the log reaches the expected head\n` });
  });

  it.each([
    ['edited', () => lines.map((l, i) => (i === 2 ? l.replace('"allow"', '"deny"') : l)), /edited\.jsonl:3: edited \(seq 3, decision 00000000-0000-4000-8000-000000000003\): its content does not match its hash/],
    ['dropped', () => lines.filter((_, i) => i !== 1), /dropped\.jsonl:2: dropped \(seq 2\): seq 2 missing before this line \(seq 3\)/],
    ['inserted', () => [...lines.slice(0, 2), lines[1]!, ...lines.slice(2)], /inserted\.jsonl:3: inserted \(seq 2, decision .*\): not part of the chain/],
    ['reordered', () => [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)], /reordered\.jsonl:2: reordered \(seq 3, decision .*\): seq 3 comes before seq 2 \(line 3\)/],
  ])('exits 1 naming the first %s record', async (kind, tamper, message) => {
    const result = await dutygate('audit', 'verify', await file(`${kind}.jsonl`, tamper()));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('detects a cut-off tail against the chain head', async () => {
    const head = stamp(lines[4]!);
    const result = await dutygate('audit', 'verify', await file('cut.jsonl', lines.slice(0, 3)), '--head', `${head.seq}:${head.hash}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cut\.jsonl:3: truncated \(seq 4\): the log ends at seq 3; the head from --head attests seq 5: seq 4\.\.5 missing/);
  });

  it('refuses a malformed --head', async () => {
    expect(await dutygate('audit', 'verify', await file('h.jsonl', lines), '--head', '5:xyz')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--head: '5:xyz' is not SEQ:HASH/) });
  });
});
