/** Wiring rules of an agent container: its proxy leads to an Envoy that gates it, and it polls a gate it can reach. */
import { listener, type Obj } from '../envoy/envoy-model.js';
import { EGRESS_LISTENER } from '../envoy/envoy-wiring.js';
import { allowed, containers, envOf, find, portNumber, roleOf, selects, type ContainerView, type PodView } from './k8s-model.js';
import { envoyFile, envoyValue } from './pod-envoy.js';
import type { Manifest } from './render-kustomize.js';

export function agentIssues(manifests: readonly Manifest[], view: ContainerView, all: readonly PodView[]): string[] {
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

/** Agent containers whose tool calls this pod's Envoy receives: in the pod, or through a Service. */
export function servedAgents(manifests: readonly Manifest[], pod: PodView, all: readonly PodView[]): ContainerView[] {
  const agents = all.flatMap(containers).filter((v) => roleOf(v.c) === 'agent');
  return agents.filter((agent) => {
    if (agent.pod === pod) return true;
    const proxy = envOf(manifests, agent).HTTP_PROXY;
    const service = proxy === undefined ? undefined : find(manifests, 'Service', new URL(proxy).hostname);
    return service !== undefined && selects({ matchLabels: (service.spec as Obj).selector }, pod.labels);
  });
}
