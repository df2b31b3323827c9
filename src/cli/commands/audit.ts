import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { verifyAuditLog } from '../../audit/verify-log.js';
import { writeError, writeLine } from '../output.js';

/** `dutygate audit …`: the tamper-evident decision log. */
export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('check exported decision logs against the audit chain');
  audit
    .command('verify')
    .description('verify decision log files (one per replica is fine); exit 1 naming the first edited, dropped, inserted or reordered record')
    .argument('<files...>', 'decision log files (JSON lines)')
    .option('--head <seq:hash>', "the chain head to expect at the end (e.g. the newest span's dutygate.audit.seq:dutygate.audit.hash): detects a cut-off tail")
    .action(async (files: string[], options: { head?: string }) => {
      const expectHead = options.head === undefined ? undefined : parseHead(options.head);
      if (options.head !== undefined && !expectHead) {
        writeError(`--head: '${options.head}' is not SEQ:HASH (a number, a colon, 64 hex digits)`);
        process.exitCode = 2;
        return;
      }
      const sources = await Promise.all(files.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
      const result = verifyAuditLog(sources, expectHead ? { expectHead } : {});
      if (result.ok) {
        const range = result.firstSeq === undefined ? '' : ` (seq ${result.firstSeq}..${result.lastSeq})`;
        writeLine(`ok: ${result.records} records${range}${result.head ? `, head ${result.lastSeq}:${result.head}` : ''}`);
        return;
      }
      const { finding } = result;
      const what = [finding.seq === undefined ? undefined : `seq ${finding.seq}`, finding.decisionId === undefined ? undefined : `decision ${finding.decisionId}`].filter(Boolean).join(', ');
      writeError(`${finding.file}:${finding.line}: ${finding.kind}${what ? ` (${what})` : ''}: ${finding.message}`);
      process.exitCode = 1;
    });
}

function parseHead(text: string): { seq: number; hash: string } | undefined {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  return match ? { seq: Number(match[1]), hash: match[2] as string } : undefined;
}
