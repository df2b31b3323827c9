/**
 * Every rendered k8s/ overlay is valid against Kubernetes' schemas (strictly: unknown fields
 * fail) and wired together: names, ports, mounts, Secret keys, configs that load, probes that
 * reach, network flows. Each rule is shown catching a broken manifest.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Obj } from '../envoy/envoy-model.js';
import { execOf, parseDockerfile } from '../docker/parse-dockerfile.js';
import { allowed, find, pods } from './k8s-model.js';
import { k8sWiringIssues, type WiringContext } from './k8s-wiring.js';
import { makeSecretFiles, OVERLAYS, renderOverlay, type Overlay } from './render-overlay.js';
import type { Manifest } from './render-kustomize.js';
import { validateManifests } from './validate-manifests.js';

const runtime = parseDockerfile(readFileSync('Dockerfile', 'utf8')).at(-1)!;
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const CONTEXT: WiringContext = {
  envoy: { sidecar: readFileSync('envoy/sidecar.yaml', 'utf8'), 'central-gate': readFileSync('envoy/central-gate.yaml', 'utf8') },
  image: `dutygate:${version}`,
  entrypoint: execOf(runtime, 'ENTRYPOINT')!,
  cmd: execOf(runtime, 'CMD')!,
  namespace: 'dutygate',
};

let secrets: Record<string, string>;
const rendered = new Map<Overlay, Manifest[]>();
beforeAll(async () => {
  secrets = await makeSecretFiles();
  for (const overlay of OVERLAYS) rendered.set(overlay, renderOverlay(overlay, secrets));
});

const clone = (overlay: Overlay) => structuredClone(rendered.get(overlay)!);
const object = (ms: Manifest[], kind: string, name: string) => find(ms, kind, name) as Obj;
const podSpec = (ms: Manifest[], name: string) => object(ms, 'Deployment', name).spec.template.spec as Obj;
const container = (spec: Obj, name: string) => [...((spec.initContainers as Obj[] | undefined) ?? []), ...(spec.containers as Obj[])].find((c) => c.name === name)!;

describe.each(OVERLAYS)('k8s/overlays/%s', (overlay) => {
  it('renders the expected objects', () => {
    const kinds = rendered.get(overlay)!.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(kinds).toEqual(expect.arrayContaining(['Namespace/dutygate', 'StatefulSet/redis', 'Deployment/dutygate-approvals', 'Service/dutygate-approvals', 'Deployment/agent', 'ConfigMap/envoy-config', 'Secret/dutygate-keys', 'Secret/dutygate-slack', 'Secret/dutygate-redis']));
    if (overlay === 'central-gate') expect(kinds).toEqual(expect.arrayContaining(['Deployment/dutygate-gateway', 'Service/dutygate-gateway', 'NetworkPolicy/dutygate-gateway']));
  });

  it("is valid against Kubernetes' schemas, strictly", () => {
    expect(validateManifests(rendered.get(overlay)!)).toEqual([]);
  });

  it('is wired together', () => {
    expect(k8sWiringIssues(rendered.get(overlay)!, CONTEXT)).toEqual([]);
  });

  it('sets no traces exporter the gate refuses at start-up (only otlp or none)', () => {
    const gates = rendered.get(overlay)!
      .filter((m) => m.kind === 'Deployment')
      .flatMap((m) => ((m as Obj).spec.template.spec.containers as Obj[]).filter((c) => String(c.image).startsWith('dutygate:')));
    expect(gates.length).toBeGreaterThan(0);
    for (const gate of gates) {
      const exporter = ((gate.env ?? []) as Obj[]).find((e) => e.name === 'OTEL_TRACES_EXPORTER');
      expect([undefined, 'otlp', 'none']).toContain(exporter?.value);
    }
  });

  it('needs the secrets the README lists, and names the missing file', () => {
    const { 'slack.env': _, ...rest } = secrets;
    expect(() => renderOverlay(overlay, rest)).toThrow(/secrets\/slack\.env/);
  });
});

describe('network reach', () => {
  it('central-gate: an agent pod reaches the gateway and the approvals API, and nothing that holds state', () => {
    const ms = rendered.get('central-gate')!;
    const [agent, gateway, approvals, redis] = ['agent', 'dutygate-gateway', 'dutygate-approvals', 'redis'].map((n) => pods(ms).find((p) => p.name === n)!);
    expect(allowed(ms, agent!, gateway!, 10000)).toBe(true);
    expect(allowed(ms, agent!, approvals!, 8181)).toBe(true);
    expect(allowed(ms, agent!, redis!, 6379)).toBe(false);
    expect(allowed(ms, agent!, gateway!, 9191)).toBe(false);
    const egress = (object(ms, 'NetworkPolicy', 'agent').spec.egress as Obj[]).flatMap((r) => r.to as Obj[]);
    expect(egress.some((peer) => peer.ipBlock !== undefined || (peer.namespaceSelector !== undefined && Object.keys(peer.namespaceSelector as Obj).length === 0))).toBe(false);
  });

  it('sidecar: every pod that runs a gate reaches Redis; nothing reaches a gate over the network', () => {
    const ms = rendered.get('sidecar')!;
    const [agent, approvals, redis] = ['agent', 'dutygate-approvals', 'redis'].map((n) => pods(ms).find((p) => p.name === n)!);
    expect(allowed(ms, agent!, redis!, 6379)).toBe(true);
    expect(allowed(ms, approvals!, redis!, 6379)).toBe(true);
    expect(allowed(ms, approvals!, agent!, 9191)).toBe(false);
    expect(allowed(ms, agent!, approvals!, 9191)).toBe(false);
  });
});

/** [what, overlay, edit, expected schema issue part]. */
const INVALID: readonly (readonly [string, Overlay, (ms: Manifest[]) => void, string])[] = [
  ['a misspelt container field', 'sidecar', (ms) => (container(podSpec(ms, 'agent'), 'dutygate').securityContext.readOnlyRootFilesytem = true), "'readOnlyRootFilesytem' does not exist"],
  ['a misspelt probe field', 'central-gate', (ms) => (container(podSpec(ms, 'dutygate-gateway'), 'dutygate').readinessProbe.grcp = { port: 15021 }), "'grcp' does not exist"],
  ['a misspelt field in a NetworkPolicy', 'sidecar', (ms) => ((object(ms, 'NetworkPolicy', 'agent').spec as Obj).egres = []), "'egres' does not exist"],
  ['a port as a string', 'sidecar', (ms) => ((object(ms, 'Service', 'redis').spec.ports as Obj[])[0]!.port = '6379'), 'must be integer'],
  ['a missing required field', 'central-gate', (ms) => delete ((object(ms, 'Service', 'dutygate-gateway').spec as Obj).ports as Obj[])[0]!.port, 'must have required property port'],
  ['an unknown enum-like value in the wrong type', 'sidecar', (ms) => (container(podSpec(ms, 'agent'), 'envoy').restartPolicy = true), 'must be string'],
];

describe('the schema check', () => {
  it.each(INVALID)('catches %s', (_what, overlay, edit, expected) => {
    const ms = clone(overlay);
    edit(ms);
    const issues = validateManifests(ms);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.join('\n')).toContain(expected);
  });
});

/** [what, overlay, edit, expected wiring issue part]. Each edit keeps the schemas valid (runtime check). */
const MISWIRED: readonly (readonly [string, Overlay, (ms: Manifest[]) => void, string])[] = [
  ['a Secret key typo', 'sidecar', (ms) => (container(podSpec(ms, 'agent'), 'dutygate').env as Obj[]).find((e) => e.name === 'SLACK_BOT_TOKEN')!.valueFrom.secretKeyRef.key = 'SLACK_BOT_TOKN', 'Secret dutygate-slack has no key SLACK_BOT_TOKN'],
  ['a ConfigMap name typo', 'central-gate', (ms) => ((podSpec(ms, 'dutygate-gateway').volumes as Obj[]).find((v) => v.name === 'policy')!.configMap.name = 'dutygate-polcy'), 'no ConfigMap dutygate-polcy'],
  ['a mount of an unknown volume', 'sidecar', (ms) => ((container(podSpec(ms, 'agent'), 'envoy').volumeMounts as Obj[])[0]!.name = 'envoy-conf'), 'mounts unknown volume envoy-conf'],
  ['a mount path the config does not use', 'sidecar', (ms) => ((container(podSpec(ms, 'dutygate-approvals'), 'dutygate').volumeMounts as Obj[]).find((m) => m.name === 'keys')!.mountPath = '/etc/keys'), '/etc/dutygate-keys/agents.jwks.json (named in /etc/dutygate/dutygate.yaml) is not provided'],
  ['a config that does not load (unknown key)', 'sidecar', (ms) => ((object(ms, 'ConfigMap', 'dutygate-config').data as Obj)['dutygate.yaml'] += 'limits_typo: {}\n'), 'does not load'],
  ['a policy that does not load', 'central-gate', (ms) => ((object(ms, 'ConfigMap', 'dutygate-policy').data as Obj)['policy.yaml'] = String((object(ms, 'ConfigMap', 'dutygate-policy').data as Obj)['policy.yaml']).replace('effect: deny', 'effect: refuse')), 'policy.yaml does not load'],
  ['a readiness probe on the loopback-only gRPC port', 'sidecar', (ms) => (container(podSpec(ms, 'agent'), 'dutygate').readinessProbe.grpc.port = 9191), 'the gate listens on 127.0.0.1'],
  ['a readiness probe on a port no Envoy forwards', 'central-gate', (ms) => (container(podSpec(ms, 'dutygate-gateway'), 'dutygate').readinessProbe.grpc.port = 15020), 'no Envoy in the pod forwards grpc.health.v1'],
  ['an HTTP readiness probe', 'sidecar', (ms) => (container(podSpec(ms, 'dutygate-approvals'), 'dutygate').readinessProbe = { httpGet: { path: '/readyz', port: 'http' } }), 'readinessProbe must be a native gRPC probe'],
  ['a liveness probe on a wrong path', 'sidecar', (ms) => (container(podSpec(ms, 'agent'), 'dutygate').livenessProbe.httpGet.path = '/health'), 'livenessProbe must GET /healthz'],
  ['an Envoy probe on the wrong port', 'central-gate', (ms) => (container(podSpec(ms, 'dutygate-gateway'), 'envoy').readinessProbe.httpGet.port = 9901), 'envoy readinessProbe must GET /ready on the health listener port 15021'],
  ['a proxy pointing at the wrong port', 'sidecar', (ms) => (container(podSpec(ms, 'agent'), 'agent').env as Obj[]).filter((e) => /^http_proxy$/i.test(e.name as string)).forEach((e) => (e.value = 'http://127.0.0.1:15001')), 'is not this pod\'s Envoy agent_egress listener'],
  ['a proxy pointing at a missing Service', 'central-gate', (ms) => (container(podSpec(ms, 'agent'), 'agent').env as Obj[]).filter((e) => /^http_proxy$/i.test(e.name as string)).forEach((e) => (e.value = 'http://dutygate-gw:10000')), 'does not lead to an Envoy agent_egress listener'],
  ['an Envoy config that is not the shipped one', 'sidecar', (ms) => ((object(ms, 'ConfigMap', 'envoy-config').data as Obj)['envoy.yaml'] = CONTEXT.envoy['central-gate']), 'is not envoy/sidecar.yaml'],
  ['a Service selecting nothing', 'central-gate', (ms) => ((object(ms, 'Service', 'dutygate-gateway').spec as Obj).selector = { 'app.kubernetes.io/name': 'dutygate-gatway' }), 'Service/dutygate-gateway selects no pods'],
  ['a Service targeting a port name no container has', 'sidecar', (ms) => (((object(ms, 'Service', 'dutygate-approvals').spec as Obj).ports as Obj[])[0]!.targetPort = 'htp'), 'targetPort htp is no port'],
  ['a NetworkPolicy peer matching no pod', 'sidecar', (ms) => (((object(ms, 'NetworkPolicy', 'agent').spec as Obj).egress as Obj[])[1]!.to[0].podSelector.matchLabels['app.kubernetes.io/name'] = 'redis-master'), 'matches no pod'],
  ['Redis closed to the gates', 'sidecar', (ms) => (((object(ms, 'NetworkPolicy', 'redis').spec as Obj).ingress as Obj[])[0]!.ports[0].port = 6380), 'cannot reach Redis at redis:6379'],
  [
    'a gate port opened to the agents',
    'central-gate',
    (ms) => {
      const both = [{ protocol: 'TCP', port: 8181 }, { protocol: 'TCP', port: 9191 }];
      ((object(ms, 'NetworkPolicy', 'dutygate-approvals').spec as Obj).ingress as Obj[])[0]!.ports = both;
      ((object(ms, 'NetworkPolicy', 'agent').spec as Obj).egress as Obj[])[2]!.ports = both;
    },
    "agent can reach dutygate-approvals's gRPC port 9191",
  ],
  ['a PDB that blocks every eviction', 'sidecar', (ms) => ((object(ms, 'PodDisruptionBudget', 'dutygate-approvals').spec as Obj).minAvailable = 2), 'leaves no room to evict'],
  ['a container that may write its root filesystem', 'central-gate', (ms) => (container(podSpec(ms, 'agent'), 'agent').securityContext.readOnlyRootFilesystem = false), 'readOnlyRootFilesystem must be true'],
  ['a container without limits', 'sidecar', (ms) => delete container(podSpec(ms, 'agent'), 'envoy').resources.limits, 'needs cpu and memory requests and limits'],
  ['a Secret volume readable by everyone', 'sidecar', (ms) => ((podSpec(ms, 'agent').volumes as Obj[]).find((v) => v.name === 'keys')!.secret.defaultMode = 0o444), 'must be mode 0440'],
  ['an image that is not the Dockerfile build', 'central-gate', (ms) => (container(podSpec(ms, 'dutygate-gateway'), 'dutygate').image = 'dutygate:latest'), "is not the Dockerfile's dutygate:"],
  ['a command that is not the Dockerfile entrypoint', 'sidecar', (ms) => (container(podSpec(ms, 'dutygate-approvals'), 'dutygate').command = ['node', 'dist/main.js']), 'is not the Dockerfile ENTRYPOINT'],
  ['sidecars as plain containers in an agent pod', 'sidecar', (ms) => delete container(podSpec(ms, 'agent'), 'envoy').restartPolicy, 'native sidecars'],
  ['an object outside the namespace', 'central-gate', (ms) => (object(ms, 'Service', 'redis').metadata.namespace = 'default'), 'Service/redis is not in namespace dutygate'],
  ['a gateway whose status_url agents cannot use', 'central-gate', (ms) => (container(podSpec(ms, 'dutygate-gateway'), 'dutygate').env as Obj[]).find((e) => e.name === 'DUTYGATE_PUBLIC_URL')!.value = 'http://dutygate-gateway:8181', "this gate's status_url base is http://dutygate-gateway:8181"],
  ['a sidecar agent polling another gate', 'sidecar', (ms) => ((container(podSpec(ms, 'agent'), 'agent').env as Obj[]).find((e) => e.name === 'DUTYGATE_URL')!.value = 'http://dutygate-approvals:8181'), 'polls approvals at http://dutygate-approvals:8181'],
  ['a gate pod without the Redis client label', 'central-gate', (ms) => delete (object(ms, 'Deployment', 'dutygate-gateway').spec.template.metadata.labels as Obj)['dutygate.io/state-client'], 'label dutygate.io/state-client'],
];

describe('the wiring rules', () => {
  it.each(MISWIRED)('catch %s', (_what, overlay, edit, expected) => {
    const ms = clone(overlay);
    edit(ms);
    expect(validateManifests(ms, { strict: false })).toEqual([]);
    expect(k8sWiringIssues(ms, CONTEXT).join('\n')).toContain(expected);
  });
});
