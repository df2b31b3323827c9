/**
 * What `npm publish` would ship (issue 19 item 3): `files` once listed all of `examples`, which
 * overrides `.gitignore`, so after `npm start` (dev keys generated into examples/dev/keys) the
 * tarball held the agent, approver and override private keys. This packs a copy of the package
 * as it looks after `npm start` — real dev keys, an admin token beside them — with the real npm,
 * and asserts that no private key or token is in the tarball, by name and by content.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKeyPair } from '../../../src/cli/commands/keys.js';

const run = promisify(execFile);
const REPO = new URL('../../../', import.meta.url).pathname;
const ADMIN_TOKEN = 'dev-admin-token-0123456789abcdef0123456789abcdef';

let dir: string;
let packed: { path: string }[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dutygate-pack-'));
  for (const entry of ['package.json', 'README.md', 'proto', 'examples']) await cp(join(REPO, entry), join(dir, entry), { recursive: true });
  await mkdir(join(dir, 'dist', 'cli'), { recursive: true });
  await writeFile(join(dir, 'dist', 'cli', 'main.js'), '');
  // What `npm start` (dutygate dev init) leaves behind, plus the secrets an operator adds.
  for (const name of ['agents', 'approvers', 'override']) await writeKeyPair(join(dir, 'examples', 'dev', 'keys'), name);
  await writeFile(join(dir, 'examples', 'dev', 'keys', 'admin.token'), `${ADMIN_TOKEN}\n`);
  await writeFile(join(dir, 'examples', 'dev', 'admin.token'), `${ADMIN_TOKEN}\n`);
  await writeKeyPair(join(dir, 'examples', 'config'), 'stray');
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  packed = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files;
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the examples a user needs', () => {
    const paths = packed.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['examples/dev/dutygate.yaml', 'examples/dev/policy.yaml', 'examples/config/dutygate.yaml', 'examples/policies/payments/policy.yaml', 'dist/cli/main.js']));
  });

  it('ships no private key and no token, by name', () => {
    const secrets = packed.map((file) => file.path).filter((path) => /(^|\/)keys\/|private|\.token$|\.pem$/u.test(path));
    expect(secrets).toEqual([]);
  });

  it('ships no private key and no token, by content', async () => {
    const leaking: string[] = [];
    for (const { path } of packed) {
      const text = await readFile(join(dir, path), 'utf8');
      // A private JWK carries its secret in "d"; the admin token is what an operator wrote.
      if (/"d"\s*:\s*"/u.test(text) || text.includes(ADMIN_TOKEN) || /-----BEGIN [A-Z ]*PRIVATE KEY-----/u.test(text)) leaking.push(path);
    }
    expect(leaking).toEqual([]);
  });
});
