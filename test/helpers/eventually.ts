/**
 * Polls `probe` until `accept` holds or `timeoutMs` passes, and returns the last value either
 * way: the caller's assertion on it then says what was seen instead of a bare timeout.
 */
export async function eventually<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 5_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
