/**
 * Where a server's CPU time went, from a V8 `.cpuprofile` (`node --cpu-prof`): self time per
 * function, self time per area (grpc-js, jose, node:crypto, each dutygate folder, GC, …), and
 * inclusive time of dutygate's own functions (what each phase of a Check costs, callees included).
 */

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One row of a ranking. `pct` is of the busy (non-idle) time. */
export interface ProfileRow {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly pct: number;
}

/** The summary the results carry. */
export interface ProfileSummary {
  readonly sampledMs: number;
  /** Share of the sampled time the server was idle (waiting for I/O). */
  readonly idlePct: number;
  readonly selfTop: readonly ProfileRow[];
  readonly areas: readonly { readonly area: string; readonly ms: number; readonly pct: number }[];
  /** dutygate functions by inclusive time. */
  readonly dutygateInclusive: readonly ProfileRow[];
}

/** Options of {@link summarizeProfile}. */
export interface SummaryOptions {
  /** Stripped from locations. */
  readonly repoRoot: string;
  /** Rows per ranking (default 20). */
  readonly top?: number;
  /** Ignore the first milliseconds of the profile (start-up: module loading, policy compile, warm-up). */
  readonly skipMs?: number;
}

/** Summarizes `profile`. */
export function summarizeProfile(profile: CpuProfile, options: SummaryOptions): ProfileSummary {
  const { repoRoot, top = 20, skipMs = 0 } = options;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  const labels = new Map<string, { name: string; where: string }>();
  let total = 0;
  let idle = 0;
  let clock = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    clock += ms;
    const leaf = byId.get(profile.samples[i] as number);
    if (leaf === undefined || ms <= 0 || clock <= skipMs) continue;
    total += ms;
    if (leaf.callFrame.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    const key = keyOf(leaf.callFrame, repoRoot, labels);
    self.set(key, (self.get(key) ?? 0) + ms);
    const area = areaOf(leaf.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    // Each function once per sample, however deep the recursion.
    const seen = new Set<string>();
    let id: number | undefined = leaf.id;
    for (let depth = 0; id !== undefined && depth < 1000; depth++) {
      const node = byId.get(id);
      if (node === undefined) break;
      if (isDutygate(node.callFrame.url)) {
        const frameKey = keyOf(node.callFrame, repoRoot, labels);
        if (!seen.has(frameKey)) {
          seen.add(frameKey);
          inclusive.set(frameKey, (inclusive.get(frameKey) ?? 0) + ms);
        }
      }
      id = parent.get(id);
    }
  }
  const busy = Math.max(1e-9, total - idle);
  const rank = (map: Map<string, number>): ProfileRow[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, ms]) => ({ ...(labels.get(key) as { name: string; where: string }), ms: round1(ms), pct: round1((100 * ms) / busy) }));
  return {
    sampledMs: round1(total),
    idlePct: round1((100 * idle) / Math.max(1e-9, total)),
    selfTop: rank(self),
    areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, ms]) => ({ area, ms: round1(ms), pct: round1((100 * ms) / busy) })),
    dutygateInclusive: rank(inclusive),
  };
}

function keyOf(frame: CpuProfile['nodes'][number]['callFrame'], repoRoot: string, labels: Map<string, { name: string; where: string }>): string {
  const key = `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}`;
  if (!labels.has(key)) {
    const url = frame.url.replace(/^file:\/\//, '').replace(`${repoRoot}/`, '');
    labels.set(key, { name: frame.functionName || '(anonymous)', where: url === '' ? '' : `${url}:${frame.lineNumber + 1}` });
  }
  return key;
}

/** dutygate's own compiled code (the gate runs from dist/). */
function isDutygate(url: string): boolean {
  return url.includes('/dist/') && !url.includes('/node_modules/');
}

/** The area a frame belongs to, for the "where does the time go" table. */
export function areaOf(frame: { readonly functionName: string; readonly url: string }): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'V8 garbage collector';
    if (functionName === '(program)') return 'V8/native (unattributed)';
    return `native: ${functionName}`;
  }
  const dist = /\/dist\/([^/]+)\//.exec(url);
  if (dist && isDutygate(url)) return `dutygate ${dist[1]}/`;
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1] as string;
  const node = /^node:(?:internal\/)?([^/]+)/.exec(url);
  if (node) return `node:${node[1]}`;
  return 'other';
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
