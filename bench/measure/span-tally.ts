/**
 * Spans per open-loop phase: the OTLP sink's running count (`GET /tally`), read once the gate's
 * exports have settled. Spans leave a gate up to its schedule delay (1 s in the bench) after the
 * Check, so a reading waits until the count stops moving — or, after a phase, until it reaches
 * what the phase should have produced.
 */

/** The sink's counts so far. */
export async function readSpanTally(sinkPort: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${sinkPort}/tally`);
  const tally = (await response.json()) as { checkSpans?: number };
  if (typeof tally.checkSpans !== 'number') throw new Error('the OTLP sink answered no checkSpans');
  return tally.checkSpans;
}

/**
 * The sink's span count once it reached `target` or stood still for `quietMs` (bounded by
 * `maxMs`: a gate that lost spans never reaches the target).
 */
export async function settledSpanTally(sinkPort: number, options: { readonly target?: number; readonly quietMs?: number; readonly maxMs?: number } = {}): Promise<number> {
  const quietMs = options.quietMs ?? 1500;
  const deadline = Date.now() + (options.maxMs ?? 8000);
  let last = await readSpanTally(sinkPort);
  let since = Date.now();
  // Bounded by the deadline.
  while (Date.now() < deadline) {
    if (options.target !== undefined && last >= options.target) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await readSpanTally(sinkPort);
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return last;
  }
  return last;
}
