/**
 * The kustomize subset renderer: what it supports renders as kustomize would, and everything
 * else is refused with the file and the reason.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderKustomization } from './render-kustomize.js';

const HEAD = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
let dirs: string[] = [];

/** Writes `files` (path → text) into a fresh folder and returns it. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'dutygate-kustomize-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { ports: [{ port: 80 }] }\n';
const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: team }\n';

describe('renderKustomization', () => {
  it('renders files, bases and generators, and sets the namespace on namespaced objects', () => {
    const root = tree({
      'base/kustomization.yaml': `${HEAD}resources: [ns.yaml, svc.yaml]\ngeneratorOptions: { disableNameSuffixHash: true }\nconfigMapGenerator:\n  - name: conf\n    files: [app.yaml, renamed.txt=raw.txt]\n    literals: [mode=fast]\n`,
      'base/ns.yaml': NAMESPACE,
      'base/svc.yaml': `${SERVICE}---\n# an empty document is skipped\n---\n`,
      'base/app.yaml': 'a: 1\n',
      'base/raw.txt': 'raw',
      'overlay/kustomization.yaml': `${HEAD}namespace: team\nresources: [../base]\ngeneratorOptions: { disableNameSuffixHash: true }\nsecretGenerator:\n  - name: creds\n    files: [secrets/key.json]\n    envs: [secrets/a.env]\n`,
      'overlay/secrets/key.json': '{"k":1}',
      'overlay/secrets/a.env': '# comment\nUSER=svc\n\nPASS=p=w\n',
    });
    const out = renderKustomization(join(root, 'overlay')).map((r) => r.manifest);
    expect(out.map((m) => `${m.kind}/${m.metadata.name}/${m.metadata.namespace ?? '-'}`)).toEqual(['Namespace/team/-', 'Service/web/team', 'ConfigMap/conf/team', 'Secret/creds/team']);
    expect(out[2]!.data).toEqual({ 'app.yaml': 'a: 1\n', 'renamed.txt': 'raw', mode: 'fast' });
    expect(out[3]).toMatchObject({ type: 'Opaque', data: { 'key.json': Buffer.from('{"k":1}').toString('base64'), USER: Buffer.from('svc').toString('base64'), PASS: Buffer.from('p=w').toString('base64') } });
  });

  it.each([
    ['an unsupported kustomization field', `${HEAD}resources: [svc.yaml]\npatches: []\n`, {}, "'patches' is not supported"],
    ['generators with name hashes', `${HEAD}configMapGenerator: [{ name: c, literals: [a=b] }]\n`, {}, 'disableNameSuffixHash: true'],
    ['a generator file outside the folder', `${HEAD}generatorOptions: { disableNameSuffixHash: true }\nconfigMapGenerator: [{ name: c, files: [../x.txt] }]\n`, {}, 'is not in or below'],
    ['an unsupported generator behavior', `${HEAD}generatorOptions: { disableNameSuffixHash: true }\nconfigMapGenerator: [{ name: c, behavior: merge, literals: [a=b] }]\n`, {}, "only behavior 'create'"],
    ['a key given twice', `${HEAD}generatorOptions: { disableNameSuffixHash: true }\nconfigMapGenerator: [{ name: c, literals: [a=b, a=c] }]\n`, {}, "key 'a' is given twice"],
    ['an env line without =', `${HEAD}generatorOptions: { disableNameSuffixHash: true }\nsecretGenerator: [{ name: s, envs: [x.env] }]\n`, { 'x.env': 'TOKEN\n' }, 'x.env:1: expected KEY=VALUE'],
    ['the same object twice', `${HEAD}resources: [svc.yaml, again.yaml]\n`, { 'again.yaml': SERVICE }, "Service 'web' is defined twice"],
    ['a missing resource file', `${HEAD}resources: [nope.yaml]\n`, {}, 'ENOENT'],
    ['a wrong kind', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Component\n', {}, 'kind Kustomization'],
    ['a YAML 1.1 octal', `${HEAD}resources: [pod.yaml]\n`, { 'pod.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: { name: s }\nspec: { defaultMode: 0440 }\n' }, "'0440' means something else in YAML 1.1"],
    ['a YAML 1.1 boolean', `${HEAD}resources: [pod.yaml]\n`, { 'pod.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { enabled: yes }\n' }, "'yes' means something else in YAML 1.1"],
    ['a document without a name', `${HEAD}resources: [pod.yaml]\n`, { 'pod.yaml': 'apiVersion: v1\nkind: ConfigMap\n' }, 'metadata.name'],
  ])('refuses %s', (_what, kustomization, extra, message) => {
    const root = tree({ 'k/kustomization.yaml': kustomization, 'k/svc.yaml': SERVICE, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`k/${k}`, v])) });
    expect(() => renderKustomization(join(root, 'k'))).toThrow(message);
  });
});
