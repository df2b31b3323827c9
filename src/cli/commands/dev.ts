import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeLine } from '../output.js';
import { writeKeyPair } from './keys.js';

/** Key pairs the embedded dev config expects under `<dir>/keys/`. */
const DEV_KEYS = ['agents', 'approvers', 'override'] as const;

/**
 * `dutygate dev init`: makes the local dev keys the example config needs, once. Existing keys
 * are kept, so tokens minted earlier stay valid across restarts.
 */
export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('local development helpers')
    .command('init')
    .description('generate the dev keys an example config needs (agents, approvers, override) if missing')
    .option('-d, --dir <dir>', 'folder holding dutygate.yaml', 'examples/dev')
    .action(async (options: { dir: string }) => {
      const keys = join(options.dir, 'keys');
      for (const name of DEV_KEYS) {
        const exists = await access(join(keys, `${name}.private.jwk.json`)).then(() => true, () => false);
        if (exists) continue;
        const files = await writeKeyPair(keys, name);
        writeLine(`generated ${files.jwks} and ${files.privateJwk}`);
      }
    });
}
