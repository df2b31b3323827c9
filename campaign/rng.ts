/** A seeded PRNG (mulberry32) and the pickers the categories share: a failure reproduces from its seed. */
import { mulberry32 } from '../test/helpers/mulberry32.js';

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  int(maxExclusive: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** A generator for `seed` (any 32-bit integer). */
export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (max: number): number => Math.floor(next() * max);
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(items.length)] as T;
    },
  };
}

/** A stable 32-bit seed for (run seed, category, case index). */
export function caseSeed(runSeed: number, category: string, index: number): number {
  let h = (runSeed ^ 0x9e3779b9) >>> 0;
  for (const char of `${category}#${index}`) h = Math.imul(h ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}
