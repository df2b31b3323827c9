/**
 * Renders a k8s/ overlay the way a platform engineer would after following the README: with the
 * `secrets/` files the secretGenerators read (real key pairs, Slack and Redis env files)
 * supplied in memory instead of on disk.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JWK } from 'jose';
import { generateSigningKey } from '../../../src/identity/generate-keys.js';
import { renderKustomization, type Manifest } from './render-kustomize.js';

/** The overlays k8s/ ships. */
export const OVERLAYS = ['sidecar', 'central-gate'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** The agent issuer's private key behind the last {@link makeSecretFiles}, to mint test tokens. */
export let agentIssuerKey: JWK | undefined;

/** The `secrets/` files of an overlay, by name, as the README tells how to make them. */
export async function makeSecretFiles(): Promise<Record<string, string>> {
  const [agents, approvers, override] = await Promise.all(['agents-1', 'approvers-1', 'override-1'].map((kid) => generateSigningKey({ kid })));
  agentIssuerKey = agents!.privateJwk;
  return {
    'agents.jwks.json': JSON.stringify(agents!.publicJwks),
    'approvers.jwks.json': JSON.stringify(approvers!.publicJwks),
    'override.private.jwk.json': JSON.stringify(override!.privateJwk),
    'slack.env': 'SLACK_BOT_TOKEN=xoxb-test-token\nSLACK_SIGNING_SECRET=test-signing-secret\n',
    'redis.env': 'REDIS_PASSWORD=test-password\nDUTYGATE_REDIS_URL=redis://:test-password@redis:6379/0\n',
  };
}

/** Renders `k8s/overlays/<overlay>` with `secrets` standing in for its secrets/ folder. */
export function renderOverlay(overlay: Overlay, secrets: Record<string, string>): Manifest[] {
  const secretsDir = resolve('k8s/overlays', overlay, 'secrets');
  return renderKustomization(join('k8s/overlays', overlay), (path) => {
    if (path.startsWith(`${secretsDir}/`)) {
      const content = secrets[path.slice(secretsDir.length + 1)];
      if (content === undefined) throw new Error(`ENOENT: ${path}`);
      return content;
    }
    return readFileSync(path, 'utf8');
  }).map((r) => r.manifest);
}
