/**
 * Envoy's API protos (vendored by @grpc/grpc-js-xds under deps/) loaded with protobufjs, as
 * descriptors to walk — not to decode: protobufjs' fromObject drops unknown fields silently,
 * which is exactly what a config check must not do. Files are loaded on demand: `@type` URLs
 * name any of Envoy's ~500 message files, so an index of package + top-level message → file is
 * built once by scanning them, and a file is parsed the first time one of its types is needed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const DEPS = fileURLToPath(new URL('../../../node_modules/@grpc/grpc-js-xds/deps/', import.meta.url));
// protobufjs' own folder holds google/protobuf/descriptor.proto, which the validate and
// annotation protos import.
const PROTOBUFJS = fileURLToPath(new URL('../../../node_modules/protobufjs/', import.meta.url));

/** Include dirs, searched in order, like protoc's -I. */
export const ENVOY_INCLUDE_DIRS: readonly string[] = [
  ...['envoy-api', 'googleapis', 'xds', 'protoc-gen-validate'].map((dir) => join(DEPS, dir)),
  PROTOBUFJS,
];

/** The descriptors of Envoy's API, loading files as their types are asked for. */
export interface EnvoyProtoRoot {
  /** A message type by full name (`envoy.config.bootstrap.v3.Bootstrap`), or undefined. */
  message(fullName: string): protobuf.Type | undefined;
}

/** Creates a root; cheap — nothing but the index is built until a type is asked for. */
export function createEnvoyProtoRoot(): EnvoyProtoRoot {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const dir of ENVOY_INCLUDE_DIRS) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  const index = typeIndex();
  const loaded = new Set<string>();

  return {
    message(fullName) {
      const found = lookup(root, fullName);
      if (found) return found;
      const file = index.get(fullName);
      if (file === undefined || loaded.has(file)) return undefined;
      loaded.add(file);
      root.loadSync(file, { keepCase: true });
      root.resolveAll();
      return lookup(root, fullName);
    },
  };
}

function lookup(root: protobuf.Root, fullName: string): protobuf.Type | undefined {
  try {
    const found = root.lookup(fullName);
    return found instanceof protobuf.Type ? found : undefined;
  } catch {
    return undefined;
  }
}

let cachedIndex: Map<string, string> | undefined;

/** `package.Message` → proto file path relative to its include dir, for top-level messages. */
function typeIndex(): Map<string, string> {
  if (cachedIndex) return cachedIndex;
  const index = new Map<string, string>();
  for (const [dir, sub] of [
    ['envoy-api', 'envoy'],
    ['xds', 'xds'],
    ['xds', 'udpa'],
    ['googleapis', 'google'],
  ] as const) {
    const base = join(DEPS, dir);
    for (const file of protoFiles(join(base, sub))) {
      const text = readFileSync(file, 'utf8');
      const pkg = /^package\s+([\w.]+)\s*;/m.exec(text)?.[1];
      if (pkg === undefined) continue;
      const relative = file.slice(base.length + 1);
      for (const match of text.matchAll(/^message\s+(\w+)/gm)) index.set(`${pkg}.${match[1]}`, relative);
    }
  }
  cachedIndex = index;
  return index;
}

function protoFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...protoFiles(path));
    else if (entry.name.endsWith('.proto')) out.push(path);
  }
  return out;
}
