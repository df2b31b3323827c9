/**
 * The gate the k8s manifests describe starts and decides: the dutygate container's mounts
 * (ConfigMaps and Secrets as rendered) are laid out under a temp root, its dutygate.yaml is
 * loaded with the container's environment, and the gate runs against the Redis on 127.0.0.1
 * (standing in for the `redis` Service). Only what a cluster would provide differently is
 * changed: the mount root, the Redis address and the listen ports (0, so tests never collide).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import { mintChildToken, mintDelegation } from '../../../src/identity/mint-token.js';
import { createLogger } from '../../../src/log/logger.js';
import { startGate, type Gate } from '../../../src/server/start-gate.js';
import { createEnvoyClient, summarizeCheckResponse, type EnvoyClient } from '../../helpers/envoy-client.js';
import type { Obj } from '../envoy/envoy-model.js';
import { containers, dataOf, envOf, find, flagValue, pods, roleOf } from './k8s-model.js';
import { agentIssuerKey, makeSecretFiles, renderOverlay } from './render-overlay.js';

describe('the sidecar gate of k8s/overlays/sidecar, started from its rendered mounts', () => {
  let root: string;
  let gate: Gate;
  let client: EnvoyClient;

  beforeAll(async () => {
    const manifests = renderOverlay('sidecar', await makeSecretFiles());
    const view = containers(pods(manifests).find((p) => p.name === 'agent')!).find((v) => roleOf(v.c) === 'dutygate')!;
    root = mkdtempSync(join(tmpdir(), 'dutygate-k8s-'));
    for (const mount of view.c.volumeMounts as Obj[]) {
      const volume = (view.pod.spec.volumes as Obj[]).find((v) => v.name === mount.name)!;
      const object = volume.configMap ? find(manifests, 'ConfigMap', volume.configMap.name as string) : find(manifests, 'Secret', volume.secret.secretName as string);
      mkdirSync(join(root, mount.mountPath as string), { recursive: true });
      for (const key of Object.keys(object!.data as Obj)) writeFileSync(join(root, mount.mountPath as string, key), dataOf(object, key)!);
    }
    const configPath = flagValue(view.c.args as string[], '--config')!;
    const text = dataOf(find(manifests, 'ConfigMap', 'dutygate-config'), 'dutygate.yaml')!
      .replaceAll('/etc/', `${root}/etc/`)
      .replace(/port: \d+/g, 'port: 0')
      .replace('host: 0.0.0.0', 'host: 127.0.0.1');
    const env = { ...envOf(manifests, view), DUTYGATE_REDIS_URL: 'redis://127.0.0.1:6379/0' };
    const config = parseConfig(text, join(root, configPath), env);
    expect(config.state.driver).toBe('redis');
    gate = await startGate(config, createLogger('silent'));
    client = createEnvoyClient(`127.0.0.1:${gate.grpcPort}`);
  });

  afterAll(async () => {
    client?.close();
    await gate?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('reports SERVING and decides with the k8s policy, spending tokens in Redis', async () => {
    expect(gate.health.get()).toBe('SERVING');
    const base = { iss: 'https://tokens.agents.example', aud: 'dutygate' };
    const planner = await mintDelegation(agentIssuerKey!, { iss: base.iss, agentId: 'planner', delegateeAgentId: 'finance-a', initiator: 'sso:carol' });
    const finance = await mintChildToken(agentIssuerKey!, planner, { ...base, agentId: 'finance-a', initiator: 'sso:carol' });
    const paymentId = `pay_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
    const request = {
      method: 'POST',
      host: 'payments.internal',
      path: '/payments',
      rawHeaders: true,
      rawBody: true,
      headers: { authorization: `Bearer ${finance}`, 'x-agent-chain': planner, 'content-type': 'application/json' },
      body: JSON.stringify({ payment_id: paymentId, amount: 120, destination: 'acct_9f8e7d6c5b' }),
    };
    const first = summarizeCheckResponse(await client.check(request));
    expect([first.grpcCode, first.headers['x-agent-id']?.value]).toEqual([0, 'finance-a']);
    const replay = summarizeCheckResponse(await client.check(request));
    expect([replay.httpStatus, replay.body?.code]).toEqual([401, 'REPLAY']);
  });
});
