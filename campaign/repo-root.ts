/** The repository root, found from this file whether it runs compiled (dist-campaign/) or not. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('dist-campaign')) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('campaign: no package.json above this file');
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRoot();
