/**
 * A small kustomize renderer for the subset k8s/ uses, so the manifests can be checked without
 * the kustomize binary. Anything outside the subset is an error, never ignored, so that an
 * overlay using more of kustomize fails the tests loudly instead of rendering wrongly.
 *
 * Supported (kustomize.config.k8s.io/v1beta1 Kustomization):
 * - `resources`: YAML files (multi-document) and folders holding a kustomization.yaml
 *   (rendered first, recursively, then transformed by the including kustomization);
 * - `namespace`: sets metadata.namespace on every namespaced resource;
 * - `configMapGenerator` / `secretGenerator`: `name`, `files` (`path` or `key=path`, below the
 *   kustomization's folder), `envs` (KEY=VALUE lines), `literals`, `type` (secrets);
 *   behavior `create` only;
 * - `generatorOptions.disableNameSuffixHash: true` — required: name hashes (and the reference
 *   rewriting they need) are not implemented.
 * Duplicate resources (same apiVersion group, kind, namespace and name) are errors, as in
 * kustomize. YAML scalars that YAML 1.1 (what kubectl parses) reads differently from YAML 1.2
 * (`yes`, `off`, `0440`) are errors too: quote them, or write the number in decimal.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { isScalar, parseAllDocuments, visit } from 'yaml';

/** A Kubernetes object as rendered. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** A rendered object and the file it came from (the kustomization for generated ones). */
export interface Rendered {
  readonly manifest: Manifest;
  readonly source: string;
}

/** Reads a file by absolute path; injectable so tests can supply files that are not on disk. */
export type ReadFile = (path: string) => string;

const KUSTOMIZATION_KEYS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'generatorOptions', 'configMapGenerator', 'secretGenerator']);
const GENERATOR_KEYS = new Set(['name', 'files', 'envs', 'literals', 'type', 'behavior']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass']);

/** Renders the kustomization in `dir`; throws an Error naming the file and the problem. */
export function renderKustomization(dir: string, readFile: ReadFile = (path) => readFileSync(path, 'utf8')): Rendered[] {
  const root = resolve(dir);
  const file = join(root, 'kustomization.yaml');
  const k = parseYamlDocuments(readFile(file), file)[0] as Record<string, unknown> | undefined;
  if (!k || k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization') {
    throw new Error(`${file}: expected apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization`);
  }
  for (const key of Object.keys(k)) if (!KUSTOMIZATION_KEYS.has(key)) throw new Error(`${file}: '${key}' is not supported by this renderer`);

  const out: Rendered[] = [];
  for (const entry of list(k.resources, file, 'resources')) {
    const path = resolve(root, entry);
    if (existsSync(path) && statSync(path).isDirectory()) out.push(...renderKustomization(path, readFile));
    else for (const manifest of parseYamlDocuments(readFile(path), path)) out.push({ manifest: asManifest(manifest, path), source: path });
  }

  const generators = [...list(k.configMapGenerator, file, 'configMapGenerator'), ...list(k.secretGenerator, file, 'secretGenerator')];
  if (generators.length > 0 && (k.generatorOptions as { disableNameSuffixHash?: unknown } | undefined)?.disableNameSuffixHash !== true) {
    throw new Error(`${file}: set generatorOptions.disableNameSuffixHash: true (name hashes are not implemented by this renderer)`);
  }
  for (const spec of list(k.configMapGenerator, file, 'configMapGenerator')) out.push({ manifest: generate('ConfigMap', spec, root, file, readFile), source: file });
  for (const spec of list(k.secretGenerator, file, 'secretGenerator')) out.push({ manifest: generate('Secret', spec, root, file, readFile), source: file });

  if (k.namespace !== undefined) {
    if (typeof k.namespace !== 'string') throw new Error(`${file}: namespace must be a string`);
    for (const { manifest } of out) if (!CLUSTER_SCOPED.has(manifest.kind)) manifest.metadata.namespace = k.namespace;
  }
  const seen = new Map<string, string>();
  for (const { manifest, source } of out) {
    const id = `${manifest.apiVersion.split('/').length > 1 ? manifest.apiVersion.split('/')[0] : ''}/${manifest.kind}/${manifest.metadata.namespace ?? ''}/${manifest.metadata.name}`;
    const first = seen.get(id);
    if (first !== undefined) throw new Error(`${file}: ${manifest.kind} '${manifest.metadata.name}' is defined twice (${first} and ${source})`);
    seen.set(id, source);
  }
  return out;
}

function generate(kind: 'ConfigMap' | 'Secret', spec: unknown, root: string, file: string, readFile: ReadFile): Manifest {
  const g = spec as Record<string, unknown>;
  for (const key of Object.keys(g)) if (!GENERATOR_KEYS.has(key)) throw new Error(`${file}: generator key '${key}' is not supported`);
  const name = g.name;
  if (typeof name !== 'string' || name === '') throw new Error(`${file}: a generator needs a name`);
  if (g.behavior !== undefined && g.behavior !== 'create') throw new Error(`${file}: generator ${name}: only behavior 'create' is supported`);
  if (kind === 'ConfigMap' && g.type !== undefined) throw new Error(`${file}: configMapGenerator ${name}: 'type' is for secrets`);
  const entries = new Map<string, string>();
  const add = (key: string, value: string) => {
    if (!/^[-._a-zA-Z0-9]+$/.test(key)) throw new Error(`${file}: generator ${name}: '${key}' is not a valid ConfigMap/Secret key`);
    if (entries.has(key)) throw new Error(`${file}: generator ${name}: key '${key}' is given twice`);
    entries.set(key, value);
  };
  for (const item of list(g.files, file, 'files')) {
    const eq = item.indexOf('=');
    const [key, path] = eq < 0 ? [basename(item), item] : [item.slice(0, eq), item.slice(eq + 1)];
    add(key, readFile(inside(root, path, file)));
  }
  for (const item of list(g.envs, file, 'envs')) {
    const path = inside(root, item, file);
    for (const [index, line] of readFile(path).split('\n').entries()) {
      const text = line.trim();
      if (text === '' || text.startsWith('#')) continue;
      const eq = text.indexOf('=');
      if (eq <= 0) throw new Error(`${path}:${index + 1}: expected KEY=VALUE`);
      add(text.slice(0, eq), text.slice(eq + 1));
    }
  }
  for (const item of list(g.literals, file, 'literals')) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`${file}: generator ${name}: literal '${item}' is not KEY=VALUE`);
    add(item.slice(0, eq), item.slice(eq + 1));
  }
  const data = Object.fromEntries(kind === 'Secret' ? [...entries].map(([key, value]) => [key, Buffer.from(value).toString('base64')]) : entries);
  const manifest: Manifest = { apiVersion: 'v1', kind, metadata: { name }, data };
  if (kind === 'Secret') manifest.type = typeof g.type === 'string' ? g.type : 'Opaque';
  return manifest;
}

/** Kustomize's default load restriction: generator files only from the kustomization's folder down. */
function inside(root: string, path: string, file: string): string {
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (rel.startsWith('..') || rel.startsWith(sep) || rel === '') throw new Error(`${file}: '${path}' is not in or below ${root}`);
  return full;
}

function list(value: unknown, file: string, key: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${file}: '${key}' must be a list`);
  return value as string[];
}

function asManifest(value: unknown, file: string): Manifest {
  const m = value as Partial<Manifest> | null;
  if (!m || typeof m.apiVersion !== 'string' || typeof m.kind !== 'string' || typeof m.metadata?.name !== 'string') {
    throw new Error(`${file}: every document needs apiVersion, kind and metadata.name`);
  }
  return m as Manifest;
}

/** Parses a multi-document YAML file; empty documents are skipped. */
export function parseYamlDocuments(text: string, file: string): unknown[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true, schema: 'core' });
  const out: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    visit(doc, {
      Scalar(_, node) {
        if (!isScalar(node) || node.type !== 'PLAIN' || !node.range) return;
        const source = text.slice(node.range[0], node.range[1]);
        if (YAML11_DIFFERENT.test(source)) {
          const line = text.slice(0, node.range[0]).split('\n').length;
          throw new Error(`${file}:${line}: '${source}' means something else in YAML 1.1 (kubectl): quote it or write it unambiguously`);
        }
      },
    });
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

// YAML 1.1 booleans and C-style octals: a 1.2 parser reads them as strings and decimals.
const YAML11_DIFFERENT = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?0[0-7]+)$/;
