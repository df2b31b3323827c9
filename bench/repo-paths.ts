/**
 * Where the repository's files are, found from this module's own location. The bench runs
 * compiled from `dist-bench/bench/` and type-checked from `bench/`, so paths are found by
 * walking up to the folder whose package.json names dutygate rather than by a fixed `../..`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  let dir = start;
  // Bounded: a path has finitely many parents; stop at the filesystem root.
  for (let depth = 0; depth < 12; depth++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'dutygate') return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`bench: cannot find the dutygate repository above ${start}`);
}

/** The repository root (holds package.json, proto/, dist/). */
export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** dutygate's own protos (the ones src/authz/load-protos.ts loads). */
export const PROTO_DIR = join(REPO_ROOT, 'proto');

/** The built CLI (`npm run build`); the bench starts the real `dutygate serve` from it. */
export const DIST_CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

/** The built Redis state driver; its absence means the Redis server reports "unavailable". */
export const DIST_REDIS_DRIVER = join(REPO_ROOT, 'dist', 'state', 'redis');

/** The benchmark's committed data (policy) and outputs (results.json, results.md). */
export const BENCH_DIR = join(REPO_ROOT, 'bench');

/** The compiled bench (`tsconfig.bench.json`), which holds the floor server's entry point. */
export const BENCH_DIST_DIR = join(REPO_ROOT, 'dist-bench', 'bench');
