/** The campaign report: one table row per category, the first failures, and the closing line. */
import type { CategoryTally } from './runner.js';

/** Renders the table and failure examples; the LAST line is `N passed, M failed` (cases). */
export function renderReport(tallies: readonly CategoryTally[], header: string): string {
  const rows = tallies.map((t) => [
    t.name,
    String(t.tried),
    String(t.crashes),
    String(t.failures.rpc),
    String(t.failures.wrong_allow),
    String(t.failures.wrong_deny + t.failures.no_code + t.failures.wrong_code + t.failures.slow),
    t.slowestMs.toFixed(1),
  ]);
  const head = ['category', 'tried', 'crashes', 'rpc errors', 'wrong allows', 'other failures', 'slowest ms'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const out = [header, '', line(head), `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`, ...rows.map(line)];
  const examples = tallies.flatMap((t) => t.examples.map((e) => `  ${t.name} ${e}`));
  if (examples.length > 0) out.push('', 'first failures (reproduce with the same --seed):', ...examples);
  const tried = tallies.reduce((sum, t) => sum + t.tried + (t.tried === 0 && t.crashes > 0 ? 1 : 0), 0);
  const failed = tallies.reduce((sum, t) => sum + t.failedCases, 0);
  out.push('', `${tried - failed} passed, ${failed} failed`);
  return out.join('\n');
}
