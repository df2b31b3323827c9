import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { createPolicySource, type PolicySource } from '../../../src/server/policy-source.js';

const policy = (version: string, effect: 'allow' | 'deny' = 'allow') => `
version: "${version}"
clauses: { NO: { text: No. } }
tools: [{ name: t, match: { path: /t } }]
rules: [{ id: r, tools: [t], effect: ${effect}${effect === 'deny' ? ', clause: NO' : ''} }]
`;

describe('PolicySource: versions, refused reloads, rollback and its pin', () => {
  let dir: string;
  let file: string;
  let source: PolicySource;
  let clock = 1_000;
  const now = () => clock;
  const version = () => source.current().version;
  const write = async (text: string) => {
    clock += 1_000;
    await writeFile(file, text);
  };

  beforeEach(async () => {
    clock = 1_000;
    dir = await mkdtemp(join(tmpdir(), 'dutygate-policy-source-'));
    file = join(dir, 'policy.yaml');
    await writeFile(file, policy('v1'));
    source = await createPolicySource(file, { watch: false, keepVersions: 3, now }, createLogger('silent'));
  });
  afterEach(async () => {
    source.close();
    await rm(dir, { recursive: true, force: true });
  });

  // issue 19 item 7: after v1 → v2 → rollback (pinned) → file reverted to v1, the history still
  // called v2 newest, so the next rollback pinned against the wrong version and the next deploy
  // of v2 was silently ignored.
  it('follows the file through v1 → v2 → rollback → file reverted to v1', async () => {
    const v1 = source.current().policyVersion;
    await write(policy('v2'));
    expect(await source.reload()).toBe(true);
    const v2 = source.current().policyVersion;
    expect(source.rollback()).toMatchObject({ ok: true, policyVersion: v1, pin: { policyVersion: v1, fileVersion: v2 } });
    await write(policy('v1'));
    await source.reload();
    expect(source.pin()).toBeUndefined();
    expect(source.versions().map((entry) => entry.version)).toEqual(['v1', 'v2']);
    // The file says v1 again: rolling "back" to v2 pins against v1, the file's real content.
    expect(source.rollback(v2)).toMatchObject({ ok: true, policyVersion: v2, pin: { policyVersion: v2, fileVersion: v1 } });
    // Deploying v2 again is the file catching up with what serves: the pin goes, v2 stays.
    await write(policy('v2'));
    await source.reload();
    expect(source.pin()).toBeUndefined();
    expect(version()).toBe('v2');
    expect(source.versions()[0]).toMatchObject({ version: 'v2', active: true });
  });

  it('records the first load with its version and hash', () => {
    expect(source.versions()).toEqual([{ policyVersion: source.current().policyVersion, version: 'v1', hash: source.current().hash, loadedAt: 1_000, origin: 'start', active: true }]);
    expect(source.current().policyVersion).toMatch(/^v1\+[0-9a-f]{12}$/);
    expect(source.stats()).toEqual({ loads: 1, reloadsRefused: 0, rollbacks: 0, activeSince: 1_000 });
  });

  it('refuses, counts and reports an invalid reload; the next good read clears the error', async () => {
    await write('version: "v2"\ndefault: maybe\n');
    expect(await source.reload()).toBe(false);
    await write('version: [\n');
    expect(await source.reload()).toBe(false);
    expect(version()).toBe('v1');
    expect(source.lastError()).toMatch(/policy\.yaml:\d+:\d+: /);
    expect(source.stats()).toMatchObject({ loads: 1, reloadsRefused: 2, lastRefusedAt: 3_000 });
    await write(policy('v2'));
    expect(await source.reload()).toBe(true);
    expect(source.lastError()).toBeUndefined();
    expect(source.stats()).toMatchObject({ loads: 2, reloadsRefused: 2 });
  });

  it('rolls back to the previous version and pins it until the file changes', async () => {
    await write(policy('v2'));
    await source.reload();
    const v2 = source.current().policyVersion;
    const result = source.rollback();
    expect(result).toMatchObject({ ok: true, previous: v2 });
    expect(version()).toBe('v1');
    expect(source.pin()).toEqual({ policyVersion: source.current().policyVersion, fileVersion: v2, since: 2_000 });
    expect(source.stats()).toMatchObject({ rollbacks: 1, activeSince: 2_000 });
    // The watcher firing on the same file content must not undo the rollback.
    expect(await source.reload()).toBe(false);
    expect(version()).toBe('v1');
    // An invalid edit neither applies nor releases the pin.
    await write('default: maybe\n');
    expect(await source.reload()).toBe(false);
    expect(source.pin()).toBeDefined();
    // A new valid policy in the file releases the pin and applies.
    await write(policy('v3'));
    expect(await source.reload()).toBe(true);
    expect(version()).toBe('v3');
    expect(source.pin()).toBeUndefined();
  });

  it('rolls back step by step through older versions, then refuses', async () => {
    for (const v of ['v2', 'v3']) {
      await write(policy(v));
      await source.reload();
    }
    expect(source.versions().map((v) => [v.version, v.active])).toEqual([
      ['v3', true],
      ['v2', false],
      ['v1', false],
    ]);
    expect(source.rollback()).toMatchObject({ ok: true });
    expect(version()).toBe('v2');
    expect(source.rollback()).toMatchObject({ ok: true });
    expect(version()).toBe('v1');
    const refused = source.rollback();
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(/^no version older than v1\+/);
    expect(version()).toBe('v1');
  });

  it('rolls to a named version; rolling forward to the file version releases the pin', async () => {
    await write(policy('v2'));
    await source.reload();
    const [v2, v1] = source.versions().map((v) => v.policyVersion);
    expect(source.rollback(v1)).toMatchObject({ ok: true, policyVersion: v1 });
    expect(source.pin()?.fileVersion).toBe(v2);
    expect(source.rollback(v2)).toEqual({ ok: true, policyVersion: v2, previous: v1 });
    expect(source.pin()).toBeUndefined();
    const unknown = source.rollback('v9+000000000000');
    expect(unknown.ok).toBe(false);
    expect(!unknown.ok && unknown.reason).toContain('version v9+000000000000 is not kept');
  });

  it('keeps only the last N good versions, and a reverted file moves its version to the front', async () => {
    for (const v of ['v2', 'v3', 'v4']) {
      await write(policy(v));
      await source.reload();
    }
    expect(source.versions().map((v) => v.version)).toEqual(['v4', 'v3', 'v2']);
    await write(policy('v2'));
    expect(await source.reload()).toBe(true);
    expect(source.versions().map((v) => [v.version, v.origin, v.active])).toEqual([
      ['v2', 'reload', true],
      ['v4', 'reload', false],
      ['v3', 'reload', false],
    ]);
  });

  it('swaps atomically: a reader holding the old policy keeps a consistent object', async () => {
    const held = source.current();
    await write(policy('v2', 'deny'));
    await source.reload();
    expect(held.version).toBe('v1');
    expect(held.rules[0]?.effect).toBe('allow');
    expect(source.current().rules[0]?.effect).toBe('deny');
  });
});

// issue 12 item 4: a rule's issuers: names a configured agent issuer, checked at start and reload.
describe('PolicySource: issuers: names against the configured issuers', () => {
  let dir: string;
  let file: string;
  const withIssuers = (version: string, issuers: string) => `
version: "${version}"
tools: [{ name: t, match: { path: /t } }]
rules: [{ id: r, tools: [t], issuers: [${issuers}], effect: allow }]
`;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dutygate-policy-source-'));
    file = join(dir, 'policy.yaml');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start on a policy naming an unconfigured issuer, with its line', async () => {
    await writeFile(file, withIssuers('v1', 'corp, partnr'));
    await expect(createPolicySource(file, { watch: false, issuers: ['corp', 'partner'] }, createLogger('silent'))).rejects.toThrow(
      /policy\.yaml:4:46: rules\[0\]\.issuers\[1\]: unknown issuer 'partnr'/,
    );
  });

  it('refuses such a reload and keeps serving the last good policy', async () => {
    await writeFile(file, withIssuers('v1', 'corp'));
    const source = await createPolicySource(file, { watch: false, issuers: ['corp', 'partner'] }, createLogger('silent'));
    try {
      await writeFile(file, withIssuers('v2', 'other'));
      expect(await source.reload()).toBe(false);
      expect(source.current().version).toBe('v1');
      expect(source.lastError()).toMatch(/unknown issuer 'other'/);
      await writeFile(file, withIssuers('v3', 'partner'));
      expect(await source.reload()).toBe(true);
    } finally {
      source.close();
    }
  });
});
