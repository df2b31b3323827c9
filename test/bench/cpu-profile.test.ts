import { describe, expect, it } from 'vitest';
import { areaOf, summarizeProfile } from '../../bench/measure/cpu-profile.js';
import type { CpuProfile } from '../../bench/measure/cpu-profile.js';

const ROOT = '/repo';
const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

// (root) → check (dist/check) → verify (dist/identity) → sign (jose); plus idle and GC samples.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 5, 6] },
    { id: 2, callFrame: frame('check', `file://${ROOT}/dist/check/run-check.js`, 9), children: [3] },
    { id: 3, callFrame: frame('verify', `file://${ROOT}/dist/identity/verify-token.js`, 4), children: [4] },
    { id: 4, callFrame: frame('jwtVerify', `file://${ROOT}/node_modules/jose/dist/webapi/jwt/verify.js`) },
    { id: 5, callFrame: frame('(idle)', '') },
    { id: 6, callFrame: frame('(garbage collector)', '') },
  ],
  samples: [4, 4, 3, 2, 5, 5, 6],
  timeDeltas: [1000, 1000, 1000, 1000, 2000, 2000, 2000],
};

describe('summarizeProfile', () => {
  const summary = summarizeProfile(profile, { repoRoot: ROOT });
  it('splits idle from busy time', () => {
    expect(summary.sampledMs).toBe(10);
    expect(summary.idlePct).toBe(40);
  });
  it('ranks self time as a share of busy time', () => {
    expect(summary.selfTop.map((row) => [row.name, row.ms, row.pct])).toEqual([
      ['jwtVerify', 2, 33.3],
      ['(garbage collector)', 2, 33.3],
      ['verify', 1, 16.7],
      ['check', 1, 16.7],
    ]);
    expect(summary.selfTop[0]?.where).toBe('node_modules/jose/dist/webapi/jwt/verify.js:1');
  });
  it('adds callees into the inclusive time of dutygate functions', () => {
    expect(summary.dutygateInclusive.map((row) => [row.name, row.ms])).toEqual([
      ['check', 4],
      ['verify', 3],
    ]);
  });
  it('groups self time by area', () => {
    expect(summary.areas).toEqual([
      { area: 'jose', ms: 2, pct: 33.3 },
      { area: 'V8 garbage collector', ms: 2, pct: 33.3 },
      { area: 'dutygate identity/', ms: 1, pct: 16.7 },
      { area: 'dutygate check/', ms: 1, pct: 16.7 },
    ]);
  });
});

describe('summarizeProfile skipping start-up', () => {
  it('ignores samples in the first skipMs milliseconds', () => {
    // The first three samples (jwtVerify, jwtVerify, verify) end at 1, 2 and 3 ms.
    const summary = summarizeProfile(profile, { repoRoot: ROOT, skipMs: 3 });
    expect(summary.sampledMs).toBe(7);
    expect(summary.selfTop.map((row) => row.name)).toEqual(['(garbage collector)', 'check']);
  });
});

describe('areaOf', () => {
  it.each([
    [frame('x', 'file:///r/node_modules/@grpc/grpc-js/build/src/server.js'), '@grpc/grpc-js'],
    [frame('x', 'node:internal/crypto/sig'), 'node:crypto'],
    [frame('x', 'node:events'), 'node:events'],
    [frame('x', 'file:///r/dist/policy/evaluate.js'), 'dutygate policy/'],
    [frame('(program)', ''), 'V8/native (unattributed)'],
  ])('%j → %s', (input, area) => {
    expect(areaOf(input)).toBe(area);
  });
});
