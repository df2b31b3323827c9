/**
 * The policy vectors as data: each folder under `test/vectors/` holds a `policy.yaml` and a
 * `cases.yaml` in the product's `policy test` case format, read by the product's own loader
 * (src/policy-test/load-cases.ts) — one format and one loader for the product's cases and the
 * engine vectors. The same data runs against the policy engine (vectors.test.ts), through the
 * real gRPC server (test/integration/vectors-server.test.ts) and through the `policy test` case
 * gate (test/integration/policy-examples.test.ts).
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCases } from '../../src/policy-test/load-cases.js';
import type { CaseFile } from '../../src/policy-test/policy-case.js';

/** One suite: its folder name, policy file and cases. */
export interface VectorSuite {
  readonly name: string;
  readonly policyFile: string;
  readonly cases: CaseFile;
}

/** The folder holding the suites. */
export const VECTORS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Every suite, in folder-name order. */
export async function loadVectorSuites(): Promise<VectorSuite[]> {
  const names = readdirSync(VECTORS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(VECTORS_DIR, entry.name, 'cases.yaml')))
    .map((entry) => entry.name)
    .sort();
  return Promise.all(names.map(async (name) => ({ name, policyFile: join(VECTORS_DIR, name, 'policy.yaml'), cases: await loadCases(join(VECTORS_DIR, name, 'cases.yaml')) })));
}
