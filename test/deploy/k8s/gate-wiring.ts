/**
 * Wiring rules of one dutygate container: the image and command the Dockerfile builds, a config
 * that loads with the gate's own loader from the files its mounts provide, a policy that loads,
 * Redis reachable, probes that reach the gate, the agents it serves polling the right
 * status_url, and the Envoy beside it being the shipped file wired to this config.
 */
import { parseConfig } from '../../../src/config/load-config.js';
import type { GateConfig } from '../../../src/config/types.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import { clusters, endpoints, listener, routes, type Obj } from '../envoy/envoy-model.js';
import { EGRESS_LISTENER, envoyWiringIssues, HEALTH_LISTENER } from '../envoy/envoy-wiring.js';
import { servedAgents } from './agent-wiring.js';
import { allowed, containers, dataOf, envOf, fileSource, flagValue, portNumber, roleOf, type ContainerView, type PodView } from './k8s-model.js';
import type { WiringContext } from './k8s-wiring.js';
import { envoyFile, envoyValue } from './pod-envoy.js';
import type { Manifest } from './render-kustomize.js';

export function gateIssues(manifests: readonly Manifest[], view: ContainerView, ctx: WiringContext, all: readonly PodView[]): string[] {
  const out: string[] = [];
  const c = view.c;
  if (c.image !== ctx.image) out.push(`image ${String(c.image)} is not the Dockerfile's ${ctx.image}`);
  if (JSON.stringify(c.command) !== JSON.stringify(ctx.entrypoint)) out.push(`command ${JSON.stringify(c.command)} is not the Dockerfile ENTRYPOINT ${JSON.stringify(ctx.entrypoint)}`);
  if (JSON.stringify(c.args) !== JSON.stringify(ctx.cmd)) out.push(`args ${JSON.stringify(c.args)} are not the Dockerfile CMD ${JSON.stringify(ctx.cmd)}`);
  const configPath = flagValue(c.args as string[], '--config');
  const configFile = configPath === undefined ? undefined : fileSource(manifests, view, configPath);
  const text = configFile && dataOf(configFile.object, configFile.key);
  if (configPath === undefined || text === undefined) return [...out, `--config ${String(configPath)} is not a file any mount provides`];

  let gate: GateConfig;
  try {
    gate = parseConfig(text, configPath, envOf(manifests, view));
  } catch (error) {
    return [...out, `${configPath} does not load: ${(error as Error).message}`];
  }
  const files = [...gate.identity.issuers, ...gate.approvers.issuers].map((i) => i.jwksFile).filter((f): f is string => f !== undefined);
  if (gate.overrides) files.push(gate.overrides.signingKeyFile);
  for (const file of [...files, gate.policy.file]) {
    const source = fileSource(manifests, view, file);
    if (!source?.object || dataOf(source.object, source.key) === undefined) out.push(`${file} (named in ${configPath}) is not provided by any mount`);
  }
  const policy = fileSource(manifests, view, gate.policy.file);
  const policyText = policy && dataOf(policy.object, policy.key);
  if (policyText !== undefined) {
    try {
      parsePolicy(policyText, gate.policy.file);
    } catch (error) {
      out.push(`${gate.policy.file} does not load: ${(error as Error).message}`);
    }
  }
  if (gate.policy.watch && policy && ((c.volumeMounts as Obj[]).find((m) => m.name === policy.volume)?.subPath !== undefined)) out.push('the policy is mounted with subPath, which never updates: hot reload would not see changes');
  if (gate.state.driver === 'redis') {
    const host = gate.state.url === undefined ? undefined : new URL(gate.state.url).hostname;
    const redis = all.find((p) => p.name === host);
    if (!redis || !allowed(manifests, view.pod, redis, 6379)) out.push(`cannot reach Redis at ${String(host)}:6379 through the NetworkPolicies`);
  }

  // The agents this gate checks poll approvals where its status_url says.
  const publicUrl = gate.http.publicUrl ?? `http://127.0.0.1:${gate.http.port}`;
  for (const agent of servedAgents(manifests, view.pod, all)) {
    const url = envOf(manifests, agent).DUTYGATE_URL;
    if (url !== publicUrl) out.push(`agent ${agent.pod.name} polls approvals at ${String(url)}, but this gate's status_url base is ${publicUrl}`);
  }

  // Probes: liveness on /healthz over HTTP, readiness (and startup) on gRPC health, each able to
  // reach the gate from the kubelet (the pod IP).
  const live = c.livenessProbe?.httpGet as Obj | undefined;
  if (!live || live.path !== '/healthz' || portNumber(c, live.port) !== gate.http.port || gate.http.host !== '0.0.0.0') out.push(`livenessProbe must GET /healthz on the gate's HTTP port ${gate.http.port} (bound to 0.0.0.0)`);
  for (const key of ['readinessProbe', 'startupProbe'] as const) {
    const probe = c[key] as Obj | undefined;
    if (probe === undefined && key === 'startupProbe') continue;
    const port = probe?.grpc?.port as number | undefined;
    if (port === undefined) {
      out.push(`${key} must be a native gRPC probe`);
    } else if (port === gate.grpc.port) {
      if (gate.grpc.host !== '0.0.0.0') out.push(`${key} dials gRPC port ${port} on the pod IP, but the gate listens on ${gate.grpc.host}`);
    } else if (!envoyForwardsHealth(manifests, view.pod, port, gate.grpc.port)) {
      out.push(`${key} on port ${port}: no Envoy in the pod forwards grpc.health.v1 there to 127.0.0.1:${gate.grpc.port}`);
    }
  }

  // The Envoy beside this gate: the shipped file for its role, wired to this gate's config.
  const envoy = containers(view.pod).find((v) => roleOf(v.c) === 'envoy');
  if (envoy) {
    const envoyText = envoyFile(manifests, envoy);
    const variant = containers(view.pod).some((v) => roleOf(v.c) === 'agent') ? 'sidecar' : 'central-gate';
    if (envoyText !== ctx.envoy[variant]) out.push(`the Envoy config mounted beside this gate is not envoy/${variant}.yaml`);
    else {
      const config = envoyValue(envoyText);
      envoyWiringIssues(config, { egress: variant, egressAddress: variant === 'sidecar' ? '127.0.0.1' : '0.0.0.0' }, gate).forEach((m) => out.push(`envoy: ${m}`));
      envoyContainerIssues(envoy, config).forEach((m) => out.push(m));
      if (variant === 'sidecar') {
        const order = containers(view.pod).filter((v) => v.init).map((v) => roleOf(v.c));
        if (!envoy.init || !view.init || envoy.c.restartPolicy !== 'Always' || c.restartPolicy !== 'Always' || order.indexOf('envoy') > order.indexOf('dutygate')) {
          out.push('in agent pods Envoy then dutygate must be native sidecars (init containers with restartPolicy: Always), Envoy first');
        }
      }
    }
  }
  return out;
}

function envoyContainerIssues(envoy: ContainerView, config: Obj): string[] {
  const out: string[] = [];
  const health = listener(config, HEALTH_LISTENER).port;
  for (const key of ['readinessProbe', 'livenessProbe'] as const) {
    const get = envoy.c[key]?.httpGet as Obj | undefined;
    if (get?.path !== '/ready' || portNumber(envoy.c, get.port) !== health) out.push(`envoy ${key} must GET /ready on the health listener port ${health}`);
  }
  const proxy = portNumber(envoy.c, 'proxy');
  if (proxy !== undefined && proxy !== listener(config, EGRESS_LISTENER).port) out.push(`envoy port 'proxy' ${proxy} is not the ${EGRESS_LISTENER} listener port`);
  return out;
}

function envoyForwardsHealth(manifests: readonly Manifest[], pod: PodView, port: number, grpcPort: number): boolean {
  const envoy = containers(pod).find((v) => roleOf(v.c) === 'envoy');
  const text = envoy && envoyFile(manifests, envoy);
  if (text === undefined) return false;
  const config = envoyValue(text);
  const health = listener(config, HEALTH_LISTENER);
  if (health.port !== port) return false;
  const route = routes(health.hcm).find((r) => r.route.match.path === '/grpc.health.v1.Health/Check')?.route.route?.cluster as string | undefined;
  const cluster = route === undefined ? undefined : clusters(config).get(route);
  return cluster !== undefined && endpoints(cluster).join() === `127.0.0.1:${grpcPort}`;
}
