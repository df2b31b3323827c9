import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { SourceIssue } from './source-issue.js';

/** A parsed YAML document that can say where any key path sits in the source. */
export interface ParsedYaml {
  readonly file: string;
  /** The document as plain JS (undefined when it did not parse). */
  readonly value: unknown;
  /** Syntax errors (duplicate keys, bad indentation, …) as issues; empty when it parsed. */
  readonly issues: readonly SourceIssue[];
  /** Position of the node at `path`, or of its nearest ancestor that exists. */
  positionOf(path: readonly (string | number)[], at?: 'key' | 'value'): { line: number; column: number };
}

/** Largest YAML source accepted: config and policy files are small; a huge one is a mistake. */
export const MAX_YAML_BYTES = 4 * 1024 * 1024;

/**
 * Parses YAML 1.2 (core schema) keeping source positions. Duplicate keys are errors (YAML
 * forbids them, and a silent "last wins" in a policy is a security bug); aliases are capped
 * to stop billion-laughs expansion.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  if (text.length > MAX_YAML_BYTES) {
    return {
      file,
      value: undefined,
      issues: [{ file, line: 1, column: 1, key: '', message: `file is larger than ${MAX_YAML_BYTES} bytes` }],
      positionOf: () => ({ line: 1, column: 1 }),
    };
  }
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, schema: 'core' });
  const issues: SourceIssue[] = doc.errors.map((error) => {
    const pos = lineCounter.linePos(error.pos[0]);
    return { file, line: pos.line, column: pos.col, key: '', message: error.message.split('\n')[0] ?? error.code };
  });
  let value: unknown;
  if (issues.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      issues.push({ file, line: 1, column: 1, key: '', message: (error as Error).message });
    }
  }
  return {
    file,
    value,
    issues,
    positionOf: (path, at = 'key') => {
      const offset = offsetOf(doc, path, at);
      const pos = lineCounter.linePos(offset);
      return { line: pos.line, column: pos.col };
    },
  };
}

/** Walks the document along `path`, returning the source offset of the deepest node found. */
function offsetOf(doc: Document, path: readonly (string | number)[], at: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [index, part] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
      if (at === 'value' || !last) offset = rangeStart(node) ?? offset;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[0];
}
