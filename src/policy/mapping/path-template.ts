/**
 * Path templates of `tools[].match.path`: `/payments` (exact) or `/payments/{payment_id}/approve`
 * (a capture is one whole segment). Compiled once at policy load; matched per request against
 * the path's percent-decoded segments.
 */

/** One segment of a template: literal text (already percent-decoded) or a named capture. */
export type PathSegment = { readonly literal: string } | { readonly capture: string };

/** A compiled path template. */
export interface PathTemplate {
  readonly source: string;
  readonly segments: readonly PathSegment[];
  /** True when the template has no capture (matching is then a segment-wise comparison). */
  readonly exact: boolean;
}

const CAPTURE = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * Compiles a template, or returns why it is invalid. Rules: starts with `/`; no empty, `.` or `..`
 * segment; a capture is a whole segment `{name}` with `name` matching `[A-Za-z_][A-Za-z0-9_]*`;
 * no capture name twice; no `?`, `#`, `*` or stray brace.
 */
export function compilePathTemplate(source: string): PathTemplate | { readonly error: string } {
  if (!source.startsWith('/')) return { error: "a path must start with '/'" };
  if (/[?#*\s]/.test(source)) return { error: "a path may not contain '?', '#', '*' or whitespace" };
  const segments: PathSegment[] = [];
  const names = new Set<string>();
  const parts = trimTrailingSlash(source.split('/').slice(1));
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..') return { error: `empty, '.' or '..' segment in '${source}'` };
    const capture = CAPTURE.exec(part);
    if (capture) {
      const name = capture[1] as string;
      if (names.has(name)) return { error: `capture '{${name}}' appears twice` };
      names.add(name);
      segments.push({ capture: name });
    } else if (part.includes('{') || part.includes('}')) {
      return { error: `'${part}' is not a capture: use a whole segment '{name}', name as [A-Za-z_][A-Za-z0-9_]*` };
    } else {
      segments.push({ literal: safeDecode(part) });
    }
  }
  return { source, segments, exact: names.size === 0 };
}

/**
 * Splits a request path into percent-decoded segments. One trailing slash is ignored (most
 * routers treat `/payments/` as `/payments`; not matching it would let it slip past the tool
 * mapping). Decoding before comparison means `/payments/x/%61pprove` is still `payments.approve`.
 */
export function splitRequestPath(path: string): readonly string[] {
  const parts = trimTrailingSlash(path.split('/').slice(1));
  for (let i = 0; i < parts.length; i++) parts[i] = safeDecode(parts[i] as string);
  return parts;
}

/**
 * Matches decoded request segments against a template; returns the captures (decoded) or
 * undefined. A literal segment also matches with `;…` path parameters appended. The captures
 * object has no prototype so a capture can never shadow one.
 */
export function matchPathTemplate(template: PathTemplate, segments: readonly string[]): Record<string, string> | undefined {
  const expected = template.segments;
  if (expected.length !== segments.length) return undefined;
  let captures: Record<string, string> | undefined;
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i] as PathSegment;
    const got = segments[i] as string;
    if ('literal' in want) {
      if (want.literal !== got && want.literal !== withoutPathParameters(got)) return undefined;
    } else {
      // An empty segment (`/payments//approve`) is no resource id.
      if (got === '') return undefined;
      captures ??= Object.create(null) as Record<string, string>;
      captures[want.capture] = got;
    }
  }
  return captures ?? (Object.create(null) as Record<string, string>);
}

function trimTrailingSlash(parts: string[]): string[] {
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  // `/` alone splits into [''] and means the root: no segments.
  if (parts.length === 1 && parts[0] === '') parts.pop();
  return parts;
}

/**
 * A segment without its `;…` path parameters (RFC 3986 §3.3): Tomcat, Spring and Jetty drop
 * them before routing, so `approve;jsessionid=1` is `approve` to the upstream and must be the
 * same tool here — under `default: allow` an unmapped spelling would be let through. Captures
 * keep theirs: a resource spelled `pay_1;x` is for the duty's resource rule to refuse.
 */
function withoutPathParameters(segment: string): string {
  const at = segment.indexOf(';');
  return at < 0 ? segment : segment.slice(0, at);
}

/** Percent-decodes; a malformed escape (`%zz`) is kept verbatim rather than failing the match. */
function safeDecode(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
