/**
 * mulberry32: a small, fast, seedable PRNG, so a failing test, campaign case or benchmark
 * workload reproduces from its seed. The one copy the tests, the campaign and the bench share.
 *
 * @returns floats in [0, 1), a fixed sequence per 32-bit `seed`.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
