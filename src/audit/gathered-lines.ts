/** Options of {@link gatherLines}. */
export interface GatheredLinesOptions {
  /** Lines are handed on once this many UTF-16 code units wait (about as many bytes for JSON lines). */
  readonly minChars: number;
  /** … or this long after the first line of a batch came. */
  readonly maxWaitMs: number;
}

/** Lines waiting to be written together. */
export interface GatheredLines {
  /** Adds one line (without its newline). */
  add(line: string): void;
  /** Hands on every line waiting now, if any. */
  flush(): void;
}

/**
 * Gathers lines into one string per write: `write` receives each batch joined, newline-
 * terminated. Why not the stream's own `minLength`: SonicBoom gathers by appending to its last
 * string and asks that string's byte length on every write, which flattens the growing string
 * each time — a copy of everything gathered so far per line, the largest allocation of a Check
 * (measured with the sampling heap profiler). Joining an array once per batch copies each line once.
 */
export function gatherLines(write: (batch: string) => void, options: GatheredLinesOptions): GatheredLines {
  let lines: string[] = [];
  let chars = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (lines.length === 0) return;
    lines.push('');
    const batch = lines.join('\n');
    lines = [];
    chars = 0;
    write(batch);
  };
  return {
    add(line) {
      lines.push(line);
      chars += line.length + 1;
      if (chars >= options.minChars) flush();
      else if (timer === undefined) {
        timer = setTimeout(flush, options.maxWaitMs);
        // As SonicBoom's periodic flush: a waiting line does not keep a stopping process alive (close() flushes).
        timer.unref();
      }
    },
    flush,
  };
}
