/**
 * Cross-file rules of a rendered k8s/ overlay, as a list of problems (empty when the wiring
 * holds): every reference resolves (ConfigMaps, Secrets, keys, mounts, Services, selectors),
 * each dutygate's config parses with the gate's own loader against the files its mounts
 * provide, probes reach what they mean to, the Envoy mounted is the one shipped in envoy/, the
 * agents' proxies point at it, the NetworkPolicies let exactly the needed flows through, and
 * every pod meets the "restricted" Pod Security Standard.
 */
import type { Obj } from '../envoy/envoy-model.js';
import { agentIssues } from './agent-wiring.js';
import { gateIssues } from './gate-wiring.js';
import { allowed, containers, dataOf, find, pods, portNumber, roleOf, selects, type PodView } from './k8s-model.js';
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
