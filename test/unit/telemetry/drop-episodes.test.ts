import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { createDropEpisodes, type SpanDropReason } from '../../../src/telemetry/drop-episodes.js';

/** A drop log writing to a real pino logger whose lines the test reads back. */
function setup(maxEpisodeMs = 10_000) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const counted: [SpanDropReason, number][] = [];
  const drops = createDropEpisodes({ logger: createLogger('info', destination), onDropped: (reason, count) => counted.push([reason, count]), maxEpisodeMs });
  return { drops, lines, counted };
}

const episode = (line: Record<string, unknown>) => ({ reason: line.reason, dropped: line.dropped, first: line.first_decision_id, last: line.last_decision_id });

describe('drop episodes', () => {
  it('counts every drop at once and logs one line per run of queue-full drops, closed by the next accepted span', () => {
    const { drops, lines, counted } = setup();
    for (const id of ['a', 'b', 'c']) drops.dropped('queue_full', 1, id, id);
    expect(counted).toEqual([['queue_full', 1], ['queue_full', 1], ['queue_full', 1]]);
    expect(lines).toEqual([]);
    drops.accepted();
    drops.accepted();
    expect(lines.map(episode)).toEqual([{ reason: 'queue_full', dropped: 3, first: 'a', last: 'c' }]);
    expect(lines[0]).toMatchObject({ level: 50, msg: expect.stringContaining('the decision log has their records') });
  });

  it('starts a new episode when the reason changes, and writes the last one at close()', () => {
    const { drops, lines } = setup();
    drops.dropped('queue_full', 1, 'a', 'a');
    drops.dropped('export_failed', 4, 'b', 'e', 'connect ECONNREFUSED');
    drops.dropped('export_failed', 2, 'f', 'g');
    // An export failure is reported later, after spans were accepted: accepted() does not end it.
    drops.accepted();
    drops.close();
    expect(lines.map(episode)).toEqual([
      { reason: 'queue_full', dropped: 1, first: 'a', last: 'a' },
      { reason: 'export_failed', dropped: 6, first: 'b', last: 'g' },
    ]);
    expect(lines[1]).toMatchObject({ err: 'connect ECONNREFUSED' });
    drops.close();
    expect(lines).toHaveLength(2);
  });

  it('writes the line of an outage that never ends after maxEpisodeMs, then opens another', async () => {
    const { drops, lines } = setup(50);
    drops.dropped('queue_full', 1, 'a', 'a');
    drops.dropped('queue_full', 1, 'b', 'b');
    await new Promise((resolve) => setTimeout(resolve, 120));
    drops.dropped('queue_full', 1, 'c', 'c');
    drops.close();
    expect(lines.map(episode)).toEqual([
      { reason: 'queue_full', dropped: 2, first: 'a', last: 'b' },
      { reason: 'queue_full', dropped: 1, first: 'c', last: 'c' },
    ]);
  });
});
