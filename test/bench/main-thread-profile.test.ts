import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mainThreadProfile } from '../../bench/servers/server-process.js';

describe('mainThreadProfile', () => {
  it("picks the main thread's profile when a worker wrote one too (the worker's is newer by name)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dutygate-prof-'));
    try {
      await writeFile(join(dir, 'CPU.20261206.214455.4242.0.001.cpuprofile'), '{}');
      await writeFile(join(dir, 'CPU.20261206.214456.4242.1.002.cpuprofile'), '{}');
      expect(mainThreadProfile(dir)).toBe(join(dir, 'CPU.20261206.214455.4242.0.001.cpuprofile'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('falls back to the newest profile, and to none in an empty or missing folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dutygate-prof-'));
    try {
      expect(mainThreadProfile(dir)).toBeUndefined();
      await writeFile(join(dir, 'CPU.20261206.214455.4242.3.001.cpuprofile'), '{}');
      await writeFile(join(dir, 'CPU.20261206.214457.4242.5.002.cpuprofile'), '{}');
      expect(mainThreadProfile(dir)).toBe(join(dir, 'CPU.20261206.214457.4242.5.002.cpuprofile'));
      expect(mainThreadProfile(join(dir, 'nope'))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
