/**
 * The Dockerfile cannot be built here (no Docker), so what it would do is checked against the
 * repository: every COPY source exists and is not docker-ignored, the build runs the same
 * commands as the README and .ci/run, the runtime stage installs production dependencies only
 * (and the code needs no other), runs as a non-root user, and starts the CLI the way k8s/ does.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerServeCommand } from '../../../src/cli/commands/serve.js';
import { GATE_NODE_FLAGS } from '../../../src/cli/node-flags.js';
import { CONFIG_DEFAULTS } from '../../../src/config/defaults.js';
import { execOf, parseDockerfile, type Stage } from './parse-dockerfile.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
const stages = parseDockerfile(readFileSync('Dockerfile', 'utf8'));
const ignored = readFileSync('.dockerignore', 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const runs = (stage: Stage) => stage.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);

/** True when .dockerignore keeps `path` out of the build context (names and `*.ext` patterns). */
function isIgnored(path: string): boolean {
  const clean = path.replace(/^\.\//, '').replace(/\/$/, '');
  return ignored.some((p) => (p.startsWith('*.') ? clean.endsWith(p.slice(1)) : clean === p || clean.startsWith(`${p}/`)));
}

describe('Dockerfile', () => {
  const [build, runtime] = stages;

  it('has a build stage and a runtime stage on the Node major package.json asks for', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    const major = /(\d+)/.exec(pkg.engines.node)![1];
    for (const stage of stages) expect(stage.from).toMatch(new RegExp(`^node:${major}-`));
  });

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    const sources = stages.flatMap((s) => s.instructions.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(/\s+/).slice(0, -1)));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(source), source).toBe(true);
      expect(isIgnored(source), `${source} is docker-ignored`).toBe(false);
    }
    for (const kept of ['node_modules', 'dist', '.git', '.tmp', 'examples/dev/keys/agents.private.jwk.json', 'k8s/overlays/sidecar/secrets/redis.env']) expect(isIgnored(kept), kept).toBe(true);
  });

  it('builds with the commands the README and .ci/run use', () => {
    expect(runs(build!)).toEqual(['npm ci --ignore-scripts --no-audit --no-fund', 'npm run build']);
    expect(pkg.scripts.test).toContain('npm run build');
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/^npm ci --no-audit --no-fund$/m);
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('npm ci');
    expect(readme).toContain('npm run build');
    expect(readme).toContain(`docker build -t dutygate:${pkg.version} .`);
  });

  it('installs production dependencies only in the runtime stage, which is all the code imports', () => {
    expect(runs(runtime!)).toEqual(['npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force']);
    const imported = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts')) {
          for (const m of readFileSync(path, 'utf8').matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^.'][^']*)'/gm)) {
            const spec = m[1]!;
            if (spec.startsWith('node:')) continue;
            imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
          }
        }
      }
    };
    walk('src');
    expect([...imported].filter((name) => pkg.dependencies[name] === undefined)).toEqual([]);
  });

  it('ships dist/ and the protos the gRPC server loads at run time', () => {
    const copies = runtime!.instructions.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toEqual(expect.arrayContaining(['proto ./proto', '--from=build /app/dist ./dist']));
    expect(readFileSync('src/authz/load-protos.ts', 'utf8')).toContain("new URL('../../proto/', import.meta.url)");
  });

  it('runs as a numeric non-root user and exposes the default ports', () => {
    const user = runtime!.instructions.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    const exposed = runtime!.instructions.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map(Number));
    expect(exposed.sort()).toEqual([CONFIG_DEFAULTS.http.port, CONFIG_DEFAULTS.grpc.port].sort());
  });

  it('starts the CLI (package.json bin) with serve --config, which the CLI accepts', () => {
    // One GC thread: the gate's core is the main thread's (Dockerfile comment); `npm start` and the bench start it the same way.
    expect(execOf(runtime!, 'ENTRYPOINT')).toEqual(['node', ...GATE_NODE_FLAGS, pkg.bin.dutygate]);
    expect(pkg.scripts.start).toBe(`node ${GATE_NODE_FLAGS.join(' ')} ${pkg.bin.dutygate} serve --config examples/dev/dutygate.yaml`);
    const cmd = execOf(runtime!, 'CMD')!;
    expect(cmd).toEqual(['serve', '--config', '/etc/dutygate/dutygate.yaml']);
    const program = new Command();
    registerServeCommand(program);
    const serve = program.commands.find((c) => c.name() === cmd[0]);
    expect(serve?.options.map((o) => o.long)).toContain(cmd[1]);
  });
});
