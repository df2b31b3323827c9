import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { generateSigningKey } from '../../identity/generate-keys.js';
import { writeLine } from '../output.js';

/** Writes `<dir>/<name>.jwks.json` (public) and `<dir>/<name>.private.jwk.json` (0600). */
export async function writeKeyPair(dir: string, name: string, options: { kid?: string; alg?: string } = {}): Promise<{ jwks: string; privateJwk: string }> {
  const key = await generateSigningKey(options);
  await mkdir(dir, { recursive: true });
  const jwks = join(dir, `${name}.jwks.json`);
  const privateJwk = join(dir, `${name}.private.jwk.json`);
  await writeFile(jwks, `${JSON.stringify(key.publicJwks, null, 2)}\n`);
  await writeFile(privateJwk, `${JSON.stringify(key.privateJwk, null, 2)}\n`, { mode: 0o600 });
  return { jwks, privateJwk };
}

/** `dutygate keys generate`: an Ed25519 (or other asymmetric) key pair as JWKS + private JWK. */
export function registerKeysCommand(program: Command): void {
  program
    .command('keys')
    .description('signing keys for local use and tests')
    .command('generate')
    .description('generate a key pair: <out>/<name>.jwks.json and <out>/<name>.private.jwk.json')
    .option('-o, --out <dir>', 'output folder', '.')
    .option('-n, --name <name>', 'file name stem', 'agents')
    .option('--kid <kid>', 'key id (default: RFC 7638 thumbprint)')
    .option('--alg <alg>', 'JWS algorithm: EdDSA, ES256, RS256, PS256 …', 'EdDSA')
    .action(async (options: { out: string; name: string; kid?: string; alg: string }) => {
      const files = await writeKeyPair(options.out, options.name, { alg: options.alg, ...(options.kid ? { kid: options.kid } : {}) });
      writeLine(`public JWKS:  ${files.jwks}`);
      writeLine(`private JWK:  ${files.privateJwk}`);
    });
}
