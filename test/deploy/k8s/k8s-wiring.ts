/**
 * Cross-file rules of a rendered k8s/ overlay, as a list of problems (empty when the wiring
 * holds): every reference resolves (ConfigMaps, Secrets, keys, mounts, Services, selectors),
 * each dutygate's config parses with the gate's own loader against the files its mounts
 * provide, probes reach what they mean to, the Envoy mounted is the one shipped in envoy/, the
 * agents' proxies point at it, the NetworkPolicies let exactly the needed flows through, and
 * every pod meets the "restricted" Pod Security Standard.
 */
import { parseConfig } from '../../../src/config/load-config.js';
import type { GateConfig } from '../../../src/config/types.js';
import { parsePolicy } from '../../../src/policy/load-policy.js';
import { checkEnvoyConfig } from '../envoy/check-envoy-config.js';
import { listener, routes, clusters, endpoints, type Obj } from '../envoy/envoy-model.js';
import { EGRESS_LISTENER, envoyWiringIssues, HEALTH_LISTENER } from '../envoy/envoy-wiring.js';
import { allowed, containers, dataOf, envOf, fileSource, find, flagValue, pods, portNumber, roleOf, selects, type ContainerView, type PodView } from './k8s-model.js';
import type { Manifest } from './render-kustomize.js';

/** What the manifests must agree with outside k8s/. */
export interface WiringContext {
  /** `envoy/<name>.yaml` texts by variant. */
  readonly envoy: { readonly sidecar: string; readonly 'central-gate': string };
  /** The image the Dockerfile builds, and its ENTRYPOINT and CMD. */
  readonly image: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly namespace: string;
}

/** Every wiring problem of one rendered overlay. */
export function k8sWiringIssues(manifests: readonly Manifest[], ctx: WiringContext): string[] {
  const issues: string[] = [];
  const fail = (m: string) => issues.push(m);
  const all = pods(manifests);

  for (const m of manifests) {
    if (m.kind !== 'Namespace' && m.metadata.namespace !== ctx.namespace) fail(`${m.kind}/${m.metadata.name} is not in namespace ${ctx.namespace}`);
  }
  const ns = find(manifests, 'Namespace', ctx.namespace);
  if (ns?.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') fail(`Namespace ${ctx.namespace} must enforce the restricted Pod Security Standard`);

  for (const pod of all) {
    const at = `${pod.owner.kind}/${pod.name}`;
    referenceIssues(manifests, pod).forEach((m) => fail(`${at}: ${m}`));
    securityIssues(pod).forEach((m) => fail(`${at}: ${m}`));
    if (!manifests.some((p) => p.kind === 'NetworkPolicy' && selects((p.spec as Obj).podSelector as Obj, pod.labels))) fail(`${at}: no NetworkPolicy selects it`);
    const gates = containers(pod).filter((v) => v.c && roleOf(v.c) === 'dutygate');
    if ((pod.labels['dutygate.io/state-client'] === 'true') !== gates.length > 0) fail(`${at}: label dutygate.io/state-client must be "true" exactly on pods running dutygate`);
    for (const gate of gates) gateIssues(manifests, gate, ctx, all).forEach((m) => fail(`${at}/${String(gate.c.name)}: ${m}`));
    for (const view of containers(pod).filter((v) => roleOf(v.c) === 'agent')) agentIssues(manifests, view, all).forEach((m) => fail(`${at}/${String(view.c.name)}: ${m}`));
  }

  for (const m of manifests) {
    const spec = m.spec as Obj;
    if (m.kind === 'Service') {
      const selected = all.filter((p) => selects({ matchLabels: spec.selector }, p.labels));
      if (selected.length === 0) fail(`Service/${m.metadata.name} selects no pods`);
      for (const port of spec.ports as Obj[]) {
        for (const p of selected) if (!containers(p).some((v) => portNumber(v.c, port.targetPort) !== undefined)) fail(`Service/${m.metadata.name}: targetPort ${String(port.targetPort)} is no port of ${p.name}`);
      }
    }
    if (m.kind === 'PodDisruptionBudget') {
      const selected = all.filter((p) => selects(spec.selector as Obj, p.labels));
      if (selected.length !== 1) fail(`PodDisruptionBudget/${m.metadata.name} selects ${selected.length} workloads`);
      else if (!(Number(spec.minAvailable) < selected[0]!.replicas)) fail(`PodDisruptionBudget/${m.metadata.name}: minAvailable ${String(spec.minAvailable)} leaves no room to evict from ${selected[0]!.replicas} replicas`);
    }
    if (m.kind === 'NetworkPolicy') {
      if (!all.some((p) => selects(spec.podSelector as Obj, p.labels))) fail(`NetworkPolicy/${m.metadata.name} selects no pods`);
      for (const rule of [...((spec.ingress as Obj[] | undefined) ?? []).flatMap((r) => (r.from as Obj[] | undefined) ?? []), ...((spec.egress as Obj[] | undefined) ?? []).flatMap((r) => (r.to as Obj[] | undefined) ?? [])]) {
        if (rule.podSelector && !rule.namespaceSelector && !all.some((p) => selects(rule.podSelector as Obj, p.labels))) fail(`NetworkPolicy/${m.metadata.name}: peer ${JSON.stringify(rule.podSelector)} matches no pod`);
      }
    }
  }

  // Nobody reaches a gate's gRPC port over the network: Envoy calls it on loopback.
  for (const a of all) for (const b of all) if (b.spec && gatePort(b) !== undefined && allowed(manifests, a, b, gatePort(b)!)) fail(`${a.name} can reach ${b.name}'s gRPC port ${gatePort(b)!}`);
  return issues;
}

function gatePort(pod: PodView): number | undefined {
  return containers(pod).some((v) => roleOf(v.c) === 'dutygate') ? 9191 : undefined;
}

function referenceIssues(manifests: readonly Manifest[], pod: PodView): string[] {
  const out: string[] = [];
  const claims: Obj[] = (((pod.owner.spec as Obj).volumeClaimTemplates as Obj[] | undefined) ?? []).map((t) => ({ name: t.metadata.name as string }));
  const volumes = [...((pod.spec.volumes as Obj[] | undefined) ?? []), ...claims];
  for (const v of volumes) {
    if (v.configMap && !find(manifests, 'ConfigMap', v.configMap.name as string)) out.push(`volume ${String(v.name)}: no ConfigMap ${String(v.configMap.name)}`);
    if (v.secret && !find(manifests, 'Secret', v.secret.secretName as string)) out.push(`volume ${String(v.name)}: no Secret ${String(v.secret.secretName)}`);
    if (v.secret && v.secret.defaultMode !== 0o440) out.push(`volume ${String(v.name)}: Secret files must be mode 0440 (288), not ${String(v.secret.defaultMode)}`);
    if (!containers(pod).some((c) => ((c.c.volumeMounts as Obj[] | undefined) ?? []).some((m) => m.name === v.name))) out.push(`volume ${String(v.name)} is never mounted`);
  }
  for (const view of containers(pod)) {
    for (const m of (view.c.volumeMounts as Obj[] | undefined) ?? []) if (!volumes.some((v) => v.name === m.name)) out.push(`${String(view.c.name)} mounts unknown volume ${String(m.name)}`);
    for (const e of (view.c.env as Obj[] | undefined) ?? []) {
      const ref = e.valueFrom?.secretKeyRef as Obj | undefined;
      if (ref && dataOf(find(manifests, 'Secret', ref.name as string), ref.key as string) === undefined) out.push(`${String(view.c.name)} env ${String(e.name)}: Secret ${String(ref.name)} has no key ${String(ref.key)}`);
    }
  }
  return out;
}

function securityIssues(pod: PodView): string[] {
  const out: string[] = [];
  const s = (pod.spec.securityContext ?? {}) as Obj;
  if (s.runAsNonRoot !== true) out.push('pod securityContext.runAsNonRoot must be true');
  if (s.seccompProfile?.type !== 'RuntimeDefault') out.push('pod seccompProfile must be RuntimeDefault');
  if (pod.spec.automountServiceAccountToken !== false) out.push('automountServiceAccountToken must be false');
  if (pod.spec.hostNetwork || pod.spec.hostPID || ((pod.spec.volumes as Obj[] | undefined) ?? []).some((v) => v.hostPath)) out.push('no host namespaces or hostPath');
  for (const { c } of containers(pod)) {
    const cs = (c.securityContext ?? {}) as Obj;
    const uid = (cs.runAsUser ?? s.runAsUser) as unknown;
    if (!(typeof uid === 'number' && uid > 0)) out.push(`${String(c.name)}: runAsUser must be a non-zero number (images name their user; runAsNonRoot needs a number)`);
    if (cs.allowPrivilegeEscalation !== false) out.push(`${String(c.name)}: allowPrivilegeEscalation must be false`);
    if (cs.readOnlyRootFilesystem !== true) out.push(`${String(c.name)}: readOnlyRootFilesystem must be true`);
    if (!(cs.capabilities?.drop as string[] | undefined)?.includes('ALL') || cs.capabilities?.add) out.push(`${String(c.name)}: capabilities must drop ALL and add none`);
    if (cs.privileged) out.push(`${String(c.name)}: privileged`);
    const r = (c.resources ?? {}) as Obj;
    if (!r.requests?.cpu || !r.requests?.memory || !r.limits?.cpu || !r.limits?.memory) out.push(`${String(c.name)}: needs cpu and memory requests and limits`);
  }
  return out;
}

function gateIssues(manifests: readonly Manifest[], view: ContainerView, ctx: WiringContext, all: readonly PodView[]): string[] {
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

const envoyValues = new Map<string, Obj>();

/** An Envoy file's document (checked once per distinct text: the tests re-run rules often). */
function envoyValue(text: string): Obj {
  let value = envoyValues.get(text);
  if (!value) {
    value = checkEnvoyConfig(text, 'envoy.yaml').value as Obj;
    envoyValues.set(text, value);
  }
  return value;
}

/** Agent containers whose tool calls this pod's Envoy receives: in the pod, or through a Service. */
function servedAgents(manifests: readonly Manifest[], pod: PodView, all: readonly PodView[]): ContainerView[] {
  const agents = all.flatMap(containers).filter((v) => roleOf(v.c) === 'agent');
  return agents.filter((agent) => {
    if (agent.pod === pod) return true;
    const proxy = envOf(manifests, agent).HTTP_PROXY;
    const service = proxy === undefined ? undefined : find(manifests, 'Service', new URL(proxy).hostname);
    return service !== undefined && selects({ matchLabels: (service.spec as Obj).selector }, pod.labels);
  });
}

function envoyFile(manifests: readonly Manifest[], envoy: ContainerView): string | undefined {
  const path = flagValue(envoy.c.args as string[], '-c');
  const source = path === undefined ? undefined : fileSource(manifests, envoy, path);
  return source && dataOf(source.object, source.key);
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

function agentIssues(manifests: readonly Manifest[], view: ContainerView, all: readonly PodView[]): string[] {
  const out: string[] = [];
  const env = envOf(manifests, view);
  if (env.HTTP_PROXY !== env.http_proxy) out.push('HTTP_PROXY and http_proxy differ');
  const proxy = env.HTTP_PROXY === undefined ? undefined : new URL(env.HTTP_PROXY);
  if (!proxy) return [...out, 'HTTP_PROXY is not set: tool calls would not pass the gate'];
  const port = Number(proxy.port || 80);
  if (proxy.hostname === '127.0.0.1') {
    const envoy = containers(view.pod).find((v) => roleOf(v.c) === 'envoy');
    const text = envoy && envoyFile(manifests, envoy);
    const egress = text === undefined ? undefined : listener(envoyValue(text), EGRESS_LISTENER);
    if (!egress || egress.port !== port) out.push(`HTTP_PROXY ${env.HTTP_PROXY} is not this pod's Envoy ${EGRESS_LISTENER} listener`);
  } else {
    const service = find(manifests, 'Service', proxy.hostname);
    const servicePort = ((service?.spec as Obj | undefined)?.ports as Obj[] | undefined)?.find((p) => p.port === port);
    const backends = all.filter((p) => service && selects({ matchLabels: (service.spec as Obj).selector }, p.labels));
    const target = backends.flatMap(containers).find((v) => roleOf(v.c) === 'envoy');
    const text = target && envoyFile(manifests, target);
    const egress = text === undefined ? undefined : listener(envoyValue(text), EGRESS_LISTENER);
    if (!servicePort || !target || !egress || portNumber(target.c, servicePort.targetPort) !== egress.port) out.push(`HTTP_PROXY ${env.HTTP_PROXY} does not lead to an Envoy ${EGRESS_LISTENER} listener`);
    else if (!allowed(manifests, view.pod, target.pod, egress.port)) out.push(`the NetworkPolicies block ${view.pod.name} → ${target.pod.name}:${egress.port}`);
  }
  if (env.DUTYGATE_URL !== undefined) {
    const url = new URL(env.DUTYGATE_URL);
    const local = url.hostname === '127.0.0.1' ? containers(view.pod).find((v) => roleOf(v.c) === 'dutygate') : undefined;
    const service = find(manifests, 'Service', url.hostname);
    const backend = service ? all.find((p) => selects({ matchLabels: (service.spec as Obj).selector }, p.labels)) : undefined;
    const reachable = local ? portNumber(local.c, 'http') === Number(url.port) : backend !== undefined && allowed(manifests, view.pod, backend, Number(url.port));
    if (!reachable) out.push(`DUTYGATE_URL ${env.DUTYGATE_URL} does not reach a gate's HTTP port`);
  }
  return out;
}
