/**
 * Counts the gate's decision records (`"type":"decision"` lines of its decision log on stdout),
 * reading only what was appended since the last count. The decision log is the record of truth,
 * so span coverage is spans over these records: a Check the gate never answered (its caller's
 * deadline passed before it was read) has neither a record nor a span, and is no span lost.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const NEEDLE = '"type":"decision"';

/** A running count of decision lines in `logFile`. */
export function createDecisionLineCounter(logFile: string): () => number {
  let offset = 0;
  let count = 0;
  let carry = '';
  const buffer = Buffer.alloc(1 << 20);
  return () => {
    const fd = openSync(logFile, 'r');
    try {
      // Bounded by the file's size: each read moves the offset forward until it returns 0.
      for (let read = readSync(fd, buffer, 0, buffer.length, offset); read > 0; read = readSync(fd, buffer, 0, buffer.length, offset)) {
        offset += read;
        const lines = (carry + buffer.toString('utf8', 0, read)).split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) if (line.includes(NEEDLE)) count++;
      }
    } finally {
      closeSync(fd);
    }
    return count;
  };
}
