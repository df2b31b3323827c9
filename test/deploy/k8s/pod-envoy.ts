/** The Envoy config a pod's Envoy container runs, read from its mounts (parsed once per text). */
import { checkEnvoyConfig } from '../envoy/check-envoy-config.js';
import type { Obj } from '../envoy/envoy-model.js';
import { dataOf, fileSource, flagValue, type ContainerView } from './k8s-model.js';
import type { Manifest } from './render-kustomize.js';

const envoyValues = new Map<string, Obj>();

/** An Envoy file's document (checked once per distinct text: the tests re-run rules often). */
export function envoyValue(text: string): Obj {
  let value = envoyValues.get(text);
  if (!value) {
    value = checkEnvoyConfig(text, 'envoy.yaml').value as Obj;
    envoyValues.set(text, value);
  }
  return value;
}

export function envoyFile(manifests: readonly Manifest[], envoy: ContainerView): string | undefined {
  const path = flagValue(envoy.c.args as string[], '-c');
  const source = path === undefined ? undefined : fileSource(manifests, envoy, path);
  return source && dataOf(source.object, source.key);
}
