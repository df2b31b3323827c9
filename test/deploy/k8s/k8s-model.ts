/**
 * Navigation of rendered manifests for the wiring rules: workloads and their containers, mounts,
 * env values (Secrets decoded), named ports, and what the NetworkPolicies let through.
 */
import type { Obj } from '../envoy/envoy-model.js';
import type { Manifest } from './render-kustomize.js';

/** A workload's pod template. */
export interface PodView {
  readonly owner: Manifest;
  readonly name: string;
  readonly replicas: number;
  readonly labels: Record<string, string>;
  readonly spec: Obj;
}

/** A container with the pod it runs in. */
export interface ContainerView {
  readonly pod: PodView;
  readonly c: Obj;
  readonly init: boolean;
}

/** Deployments and StatefulSets. */
export function pods(manifests: readonly Manifest[]): PodView[] {
  return manifests
    .filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet')
    .map((m) => {
      const spec = m.spec as Obj;
      return { owner: m, name: m.metadata.name, replicas: (spec.replicas as number | undefined) ?? 1, labels: spec.template.metadata.labels as Record<string, string>, spec: spec.template.spec as Obj };
    });
}

/** Every container of a pod, init containers first. */
export function containers(pod: PodView): ContainerView[] {
  return [
    ...((pod.spec.initContainers as Obj[] | undefined) ?? []).map((c) => ({ pod, c, init: true })),
    ...((pod.spec.containers as Obj[] | undefined) ?? []).map((c) => ({ pod, c, init: false })),
  ];
}

/** The object of `kind` named `name`. */
export function find(manifests: readonly Manifest[], kind: string, name: string): Manifest | undefined {
  return manifests.find((m) => m.kind === kind && m.metadata.name === name);
}

/** The text of key `key` of a ConfigMap (data) or Secret (base64 data). */
export function dataOf(object: Manifest | undefined, key: string): string | undefined {
  const value = (object?.data as Record<string, string> | undefined)?.[key];
  if (value === undefined) return undefined;
  return object!.kind === 'Secret' ? Buffer.from(value, 'base64').toString('utf8') : value;
}

/** Where `path` comes from in `container`: the ConfigMap/Secret key behind its mount, if any. */
export function fileSource(manifests: readonly Manifest[], view: ContainerView, path: string): { object: Manifest | undefined; key: string; volume: string } | undefined {
  for (const mount of (view.c.volumeMounts as Obj[] | undefined) ?? []) {
    const dir = String(mount.mountPath).replace(/\/$/, '');
    if (!path.startsWith(`${dir}/`)) continue;
    const key = path.slice(dir.length + 1);
    const volume = ((view.pod.spec.volumes as Obj[] | undefined) ?? []).find((v) => v.name === mount.name);
    if (volume?.configMap) return { object: find(manifests, 'ConfigMap', volume.configMap.name as string), key, volume: String(mount.name) };
    if (volume?.secret) return { object: find(manifests, 'Secret', volume.secret.secretName as string), key, volume: String(mount.name) };
    return { object: undefined, key, volume: String(mount.name) };
  }
  return undefined;
}

/** The container's environment as the kubelet would set it (Secret and ConfigMap refs resolved). */
export function envOf(manifests: readonly Manifest[], view: ContainerView): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of (view.c.env as Obj[] | undefined) ?? []) {
    const secret = e.valueFrom?.secretKeyRef as Obj | undefined;
    const config = e.valueFrom?.configMapKeyRef as Obj | undefined;
    const value = secret ? dataOf(find(manifests, 'Secret', secret.name as string), secret.key as string) : config ? dataOf(find(manifests, 'ConfigMap', config.name as string), config.key as string) : (e.value as string | undefined);
    if (value !== undefined) env[e.name as string] = value;
  }
  return env;
}

/** A probe or Service port: a number, or a container port name resolved in `c`. */
export function portNumber(c: Obj, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  return ((c.ports as Obj[] | undefined) ?? []).find((p) => p.name === port)?.containerPort as number | undefined;
}

/** True when `selector.matchLabels` all hold in `labels` (matchExpressions are not used here). */
export function selects(selector: Obj | undefined, labels: Record<string, string>): boolean {
  if (selector?.matchExpressions) throw new Error('matchExpressions are not evaluated by these tests');
  return Object.entries((selector?.matchLabels as Record<string, string> | undefined) ?? {}).every(([k, v]) => labels[k] === v);
}

/**
 * Whether the NetworkPolicies let `from` open a TCP connection to `to` on `port` (both pods in
 * the one namespace). Peers by namespaceSelector match only when they select that namespace
 * (`{}` does); ipBlock peers never match a pod (pod IPs sit in the excepted private ranges).
 */
export function allowed(manifests: readonly Manifest[], from: PodView, to: PodView, port: number): boolean {
  const namespace = from.owner.metadata.namespace ?? '';
  const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
  const peerMatches = (peer: Obj, pod: PodView) => {
    if (peer.ipBlock) return false;
    if (peer.namespaceSelector) {
      const nsLabels = { 'kubernetes.io/metadata.name': namespace };
      if (!selects(peer.namespaceSelector as Obj, nsLabels)) return false;
    }
    return peer.podSelector === undefined ? true : selects(peer.podSelector as Obj, pod.labels);
  };
  const portMatches = (rule: Obj, target: PodView) =>
    rule.ports === undefined ||
    (rule.ports as Obj[]).some((p) => (p.protocol ?? 'TCP') === 'TCP' && (p.port === undefined || p.port === port || containers(target).some((c) => portNumber(c.c, p.port) === port)));
  const direction = (pod: PodView, type: 'Ingress' | 'Egress', other: PodView, key: 'from' | 'to', rulesKey: 'ingress' | 'egress', target: PodView) => {
    const applying = policies.filter((p) => selects((p.spec as Obj).podSelector as Obj, pod.labels) && ((p.spec as Obj).policyTypes as string[]).includes(type));
    if (applying.length === 0) return true;
    return applying.some((p) =>
      (((p.spec as Obj)[rulesKey] as Obj[] | undefined) ?? []).some(
        (rule) => portMatches(rule, target) && (rule[key] === undefined || (rule[key] as Obj[]).some((peer) => peerMatches(peer, other))),
      ),
    );
  };
  return direction(from, 'Egress', to, 'to', 'egress', to) && direction(to, 'Ingress', from, 'from', 'ingress', to);
}

/** Which kind of container this is, by image. */
export function roleOf(c: Obj): 'dutygate' | 'envoy' | 'redis' | 'agent' {
  const image = String(c.image);
  if (image.startsWith('dutygate:')) return 'dutygate';
  if (image.startsWith('envoyproxy/envoy:')) return 'envoy';
  if (image.startsWith('redis:')) return 'redis';
  return 'agent';
}

/** The value after `flag` in an argument list. */
export function flagValue(args: readonly string[] | undefined, flag: string): string | undefined {
  const i = args?.indexOf(flag) ?? -1;
  return i >= 0 ? args![i + 1] : undefined;
}
