/**
 * Validates rendered manifests against Kubernetes' API schemas as shipped by kubernetes-models
 * (generated from the Kubernetes OpenAPI spec; 4.5.1 covers the 1.33 API):
 * 1. its runtime validators (ajv): types, required fields, formats, enums;
 * 2. its TypeScript declarations, through the TypeScript compiler's excess-property check: an
 *    unknown field anywhere (`readOnlyRootFilesytem`) is an error — what `kubectl apply
 *    --validate=strict` does, and what the runtime validators (like the API schema) allow.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { Manifest } from './render-kustomize.js';

interface ModelInfo {
  /** Runtime model: `new Model(data).validate()` throws on a schema violation. */
  readonly model: new (data: never) => { validate(): void };
  /** Module and interface for the strict (TypeScript) check. */
  readonly module: string;
  readonly iface: string;
}

const MODELS: Readonly<Record<string, ModelInfo>> = {
  'v1/Namespace': { model: Namespace, module: 'kubernetes-models/v1/Namespace', iface: 'INamespace' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1/Service', iface: 'IService' },
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap', iface: 'IConfigMap' },
  'v1/Secret': { model: Secret, module: 'kubernetes-models/v1/Secret', iface: 'ISecret' },
  'apps/v1/Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1/Deployment', iface: 'IDeployment' },
  'apps/v1/StatefulSet': { model: StatefulSet, module: 'kubernetes-models/apps/v1/StatefulSet', iface: 'IStatefulSet' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1/PodDisruptionBudget', iface: 'IPodDisruptionBudget' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy, module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy', iface: 'INetworkPolicy' },
  // The Prometheus Operator's CRD (k8s/monitoring), from the same generator's CRD models.
  'monitoring.coreos.com/v1/PrometheusRule': {
    model: PrometheusRule,
    module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
    iface: 'IPrometheusRule',
  },
};

/** `Kind/name: path: message` for one problem. */
export type ManifestIssue = string;

/**
 * Validates every manifest both ways; returns all issues (empty when all are valid). The strict
 * check reports the first problem of each manifest (TypeScript elaborates one per literal).
 * `strict: false` runs the runtime validators only (milliseconds instead of a compile).
 */
export function validateManifests(manifests: readonly Manifest[], options: { strict?: boolean } = {}): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  for (const m of manifests) {
    const info = MODELS[`${m.apiVersion}/${m.kind}`];
    if (!info) {
      issues.push(`${label(m)}: no schema for ${m.apiVersion} ${m.kind} (add it to MODELS)`);
      continue;
    }
    const { apiVersion: _a, kind: _k, ...data } = m;
    try {
      new info.model(data as never).validate();
    } catch (error) {
      issues.push(`${label(m)}: ${(error as Error).message}`);
    }
  }
  if (options.strict === false) return issues;
  return [...issues, ...strictIssues(manifests.filter((m) => MODELS[`${m.apiVersion}/${m.kind}`] !== undefined))];
}

function label(m: Manifest): string {
  return `${m.kind}/${m.metadata.name}`;
}

// The virtual file sits in this folder so that `kubernetes-models` resolves from node_modules.
const VIRTUAL = fileURLToPath(new URL('./__manifests__.ts', import.meta.url));

const declarations = new Map<string, ts.SourceFile>();
let previous: ts.Program | undefined;

/** The TypeScript excess-property and type check of every manifest, in one program. */
function strictIssues(manifests: readonly Manifest[]): ManifestIssue[] {
  if (manifests.length === 0) return [];
  const used = [...new Set(manifests.map((m) => MODELS[`${m.apiVersion}/${m.kind}`]!))];
  const lines = used.map((info) => `import type { ${info.iface} } from '${info.module}';`);
  manifests.forEach((m, i) => lines.push(`export const m${i}: ${MODELS[`${m.apiVersion}/${m.kind}`]!.iface} = ${JSON.stringify(m)};`));
  const text = lines.join('\n');

  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const source = ts.createSourceFile(VIRTUAL, text, ts.ScriptTarget.ES2022, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  // Declaration files parse once per process: the checks run many times on small variations.
  host.getSourceFile = (name, ...rest) => {
    if (name === VIRTUAL) return source;
    let file = declarations.get(name);
    if (!file) {
      file = getSourceFile(name, ...rest);
      if (file) declarations.set(name, file);
    }
    return file;
  };
  host.fileExists = (name) => name === VIRTUAL || fileExists(name);
  const program = ts.createProgram([VIRTUAL], options, host, previous);
  previous = program;

  return ts.getPreEmitDiagnostics(program, source).map((d) => {
    // The literal's keys are quoted strings: name them as fields.
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/'"([^"']+)"'/g, "'$1'");
    if (d.file?.fileName !== VIRTUAL || d.start === undefined) return `(types) ${message}`;
    const { index, path } = locate(source, d.start);
    const m = manifests[index];
    return `${m ? label(m) : '?'}: ${path}: ${message}`;
  });
}

/** The manifest index and JSON path of the literal at `position`. */
function locate(source: ts.SourceFile, position: number): { index: number; path: string } {
  let node: ts.Node = source;
  for (;;) {
    const child: ts.Node | undefined = node.getChildren(source).find((c) => c.getStart(source) <= position && position < c.getEnd());
    if (!child) break;
    node = child;
  }
  const parts: string[] = [];
  let index = -1;
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (ts.isPropertyAssignment(n)) parts.unshift(`.${n.name.getText(source).replace(/^"|"$/g, '')}`);
    else if (n.parent && ts.isArrayLiteralExpression(n.parent)) parts.unshift(`[${n.parent.elements.indexOf(n as ts.Expression)}]`);
    else if (ts.isVariableDeclaration(n)) index = Number(n.name.getText(source).slice(1));
  }
  return { index, path: parts.join('').replace(/^\./, '') || '(root)' };
}
