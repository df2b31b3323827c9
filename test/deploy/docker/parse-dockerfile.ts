/**
 * Reads a Dockerfile into stages and instructions: enough to check what the image does without
 * building it (no Docker here). Handles comments, `\` continuations, exec-form JSON arrays and
 * `${ARG}` in FROM; not heredocs or escape-directive changes (the Dockerfile uses neither).
 */

/** One instruction: `op` upper-cased, `args` as written, `exec` when it is a JSON array. */
export interface Instruction {
  readonly op: string;
  readonly args: string;
  readonly exec?: readonly string[];
  readonly line: number;
}

/** A build stage. */
export interface Stage {
  readonly name: string | undefined;
  /** The base image after global ARG defaults are substituted. */
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

/** Parses Dockerfile text. Throws on an instruction before the first FROM other than ARG. */
export function parseDockerfile(text: string): Stage[] {
  const globals = new Map<string, string>();
  const stages: { name: string | undefined; from: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions(text)) {
    if (instruction.op === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      const from = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => globals.get((a ?? b)!) ?? '');
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, from, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (instruction.op !== 'ARG') throw new Error(`line ${instruction.line}: ${instruction.op} before FROM`);
      const [key, value = ''] = instruction.args.split('=', 2);
      globals.set(key!.trim(), value.trim());
      continue;
    }
    stage.instructions.push(instruction);
  }
  return stages;
}

function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      if (/^\s*#/.test(next)) continue;
      line = `${line.slice(0, -1)} ${next.trim()}`;
    }
    const match = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`line ${start + 1}: cannot read '${line}'`);
    const args = match[2]!.trim();
    let exec: string[] | undefined;
    if (args.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(args);
        if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) exec = parsed;
      } catch {
        // Not JSON: Docker runs it in shell form too.
      }
    }
    out.push(exec ? { op: match[1]!.toUpperCase(), args, exec, line: start + 1 } : { op: match[1]!.toUpperCase(), args, line: start + 1 });
  }
  return out;
}

/** The last instruction `op` of `stage` in exec form, or undefined. */
export function execOf(stage: Stage, op: 'ENTRYPOINT' | 'CMD'): readonly string[] | undefined {
  return stage.instructions.filter((i) => i.op === op).at(-1)?.exec;
}
