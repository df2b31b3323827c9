/** Terminal output for the CLI (the only place besides logs that writes to stdout/stderr). */

/** Writes a line to stdout. */
export function writeLine(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Writes `dutygate: <message>` to stderr. */
export function writeError(message: string): void {
  process.stderr.write(`dutygate: ${message}\n`);
}

/** Writes a line to stderr as is (for `file:line:column:` lines that editors and CI parse). */
export function writeErrorLine(text: string): void {
  process.stderr.write(`${text}\n`);
}
