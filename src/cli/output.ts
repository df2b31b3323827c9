/** Terminal output for the CLI (the only place besides logs that writes to stdout/stderr). */

/** Writes a line to stdout. */
export function writeLine(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Writes `dutygate: <message>` to stderr. */
export function writeError(message: string): void {
  process.stderr.write(`dutygate: ${message}\n`);
}
