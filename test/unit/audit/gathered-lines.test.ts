/**
 * Decision log lines are gathered into one write per batch (8 KiB or 50 ms): every line exactly
 * once, in order, newline-terminated, and nothing waits past the timer or a flush.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { gatherLines } from '../../../src/audit/gathered-lines.js';

describe('gatherLines', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const gather = (minChars = 100, maxWaitMs = 50) => {
    const batches: string[] = [];
    return { batches, lines: gatherLines((batch) => batches.push(batch), { minChars, maxWaitMs }) };
  };

  it('hands on one batch once the lines waiting reach minChars, each line newline-terminated', () => {
    const { batches, lines } = gather(30);
    lines.add('a'.repeat(9));
    lines.add('b'.repeat(9));
    expect(batches).toEqual([]);
    lines.add('c'.repeat(9));
    expect(batches).toEqual([`${'a'.repeat(9)}\n${'b'.repeat(9)}\n${'c'.repeat(9)}\n`]);
    lines.add('d');
    expect(batches).toHaveLength(1);
  });

  it('hands on what waits maxWaitMs after the first line of a batch, and not before', () => {
    const { batches, lines } = gather(1000, 50);
    lines.add('first');
    vi.advanceTimersByTime(30);
    lines.add('second');
    vi.advanceTimersByTime(19);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual(['first\nsecond\n']);
    vi.advanceTimersByTime(500);
    expect(batches).toHaveLength(1);
    lines.add('third');
    vi.advanceTimersByTime(50);
    expect(batches).toEqual(['first\nsecond\n', 'third\n']);
  });

  it('flush() hands on what waits at once, clears the timer, and does nothing when nothing waits', () => {
    const { batches, lines } = gather(1000, 50);
    lines.flush();
    expect(batches).toEqual([]);
    lines.add('x');
    lines.add('');
    lines.flush();
    expect(batches).toEqual(['x\n\n']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('loses, repeats and reorders no line over many batches', () => {
    const { batches, lines } = gather(64, 50);
    const sent = Array.from({ length: 1000 }, (_, i) => `{"n":${i},"pad":"${'p'.repeat(i % 37)}"}`);
    for (const line of sent) lines.add(line);
    lines.flush();
    expect(batches.length).toBeGreaterThan(100);
    expect(batches.every((batch) => batch.endsWith('\n'))).toBe(true);
    expect(batches.join('').split('\n').slice(0, -1)).toEqual(sent);
  });
});
