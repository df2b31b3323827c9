/**
 * How a typical upstream reads what the gate let through, independently of the gate's code: the
 * oracle compares the gate's allow with what the upstream would run.
 *
 * `goView` reads a JSON object the way Go's `encoding/json` binds it to a struct: keys match
 * field names case-insensitively (Unicode folding) and the LAST matching key wins. Built on
 * `JSON.parse` plus a re-scan of raw keys, not on the gate's parser.
 */

/** Unicode simple folding as Go's `bytes.EqualFold` sees it, approximated with toUpperCase/toLowerCase. */
function fold(key: string): string {
  let out = '';
  for (const char of key) {
    const upper = char.toUpperCase();
    const lower = ([...upper].length === 1 ? upper : char).toLowerCase();
    out += [...lower].length === 1 ? lower : char;
  }
  return out;
}

/** The value a Go struct field named `field` would get from the JSON object text `text`; undefined when none. */
export function goField(text: string, field: string): unknown {
  const keys = topLevelEntries(text);
  if (keys === undefined) return undefined;
  let found: unknown;
  const want = fold(field);
  for (const [key, value] of keys) if (fold(key) === want) found = value;
  return found;
}

/**
 * The top-level [key, value] pairs of a JSON object text in document order, duplicates kept
 * (JSON.parse drops them). undefined when the text is not a JSON object.
 */
export function topLevelEntries(text: string): [string, unknown][] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  // Re-scan: split the object's members by tracking depth and strings.
  const entries: [string, unknown][] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) start = i + 1;
    } else if (c === '}' || c === ']') {
      if (depth === 1) push(text.slice(start, i), entries);
      depth--;
    } else if (c === ',' && depth === 1) {
      push(text.slice(start, i), entries);
      start = i + 1;
    }
  }
  return entries;
}

function push(member: string, entries: [string, unknown][]): void {
  if (member.trim() === '') return;
  try {
    const parsed = JSON.parse(`{${member}}`) as Record<string, unknown>;
    for (const key of Object.keys(parsed)) entries.push([key, parsed[key]]);
  } catch {
    // not a member: ignore (the gate refuses such bodies anyway)
  }
}

/** What a C-string upstream makes of a tool name: cut at the first NUL. */
export function upstreamToolName(name: string): string {
  return name.split('\u0000')[0] ?? '';
}
