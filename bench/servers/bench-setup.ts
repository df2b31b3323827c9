/**
 * The bench's scratch folder: a fresh agent signing key (its public JWKS trusted by every server),
 * an override signing key (so approval_needed takes the real approvals path), the bench policy,
 * and one dutygate config per state driver. Logs and profiles go to a sibling folder, so the
 * gate's policy watcher never sees them.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey } from '../../src/identity/generate-keys.js';
import { createTokenMinter } from '../workload/token-minter.js';
import type { TokenMinter } from '../workload/token-minter.js';
import { BENCH_DIR } from '../repo-paths.js';
import { probeRedis } from './redis-probe.js';

export const BENCH_ISSUER = 'https://tokens.bench.local';
export const BENCH_AUDIENCE = 'dutygate';
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** Everything the servers and the load generator share. */
export interface BenchSetup {
  readonly root: string;
  /** Config folder (keys, policy, dutygate configs). */
  readonly configDir: string;
  /** Logs and CPU profiles. */
  readonly outDir: string;
  readonly jwksFile: string;
  readonly memoryConfig: string;
  readonly redisConfig: string;
  /** Scratch key prefix of this run in Redis (deleted at the end). */
  readonly redisPrefix: string;
  readonly minter: TokenMinter;
}

/** Writes the scratch folder. */
export async function createBenchSetup(): Promise<BenchSetup> {
  const root = await mkdtemp(join(tmpdir(), 'dutygate-bench-'));
  const configDir = join(root, 'config');
  const outDir = join(root, 'out');
  await mkdir(configDir);
  await mkdir(outDir);
  const agents = await generateSigningKey({ kid: 'bench-agents-1' });
  const override = await generateSigningKey({ kid: 'bench-override-1' });
  const jwksFile = join(configDir, 'agents.jwks.json');
  await writeFile(jwksFile, JSON.stringify(agents.publicJwks));
  await writeFile(join(configDir, 'override.jwk.json'), JSON.stringify(override.privateJwk), { mode: 0o600 });
  await copyFile(join(BENCH_DIR, 'fixtures', 'policy.yaml'), join(configDir, 'policy.yaml'));

  const redisPrefix = `dutygate-bench:${randomBytes(6).toString('hex')}:`;
  const common = (state: string): string =>
    [
      '# written by bench/servers/bench-setup.ts',
      'grpc: { host: 127.0.0.1, port: 0 }',
      'http: { host: 127.0.0.1, port: 0 }',
      'identity:',
      '  issuers:',
      `    - { issuer: "${BENCH_ISSUER}", audience: ${BENCH_AUDIENCE}, jwks_file: ./agents.jwks.json }`,
      state,
      'policy: { file: ./policy.yaml }',
      'overrides: { signing_key_file: ./override.jwk.json }',
      'log: { level: info }',
      '',
    ].join('\n');
  const memoryConfig = join(configDir, 'memory.yaml');
  const redisConfig = join(configDir, 'redis.yaml');
  await writeFile(memoryConfig, common('state: { driver: memory }'));
  // A short ledger TTL so the scratch keys of a run do not linger in a shared Redis for 30 days.
  await writeFile(redisConfig, common(`state: { driver: redis, url: "${REDIS_URL}", prefix: "${redisPrefix}", ledger_ttl: 15m }`));

  return {
    root,
    configDir,
    outDir,
    jwksFile,
    memoryConfig,
    redisConfig,
    redisPrefix,
    minter: createTokenMinter(agents.privateJwk, BENCH_ISSUER, BENCH_AUDIENCE),
  };
}

/**
 * Removes what a run leaves behind: this run's keys in Redis (approval records are kept a day)
 * and the scratch folder (gate logs hold about a kilobyte per check, gigabytes in a full run).
 */
export async function removeBenchSetup(setup: BenchSetup): Promise<void> {
  const redis = await probeRedis(REDIS_URL);
  if (typeof redis !== 'string') {
    try {
      await redis.deletePrefix(setup.redisPrefix);
    } finally {
      redis.close();
    }
  }
  await rm(setup.root, { recursive: true, force: true });
}
