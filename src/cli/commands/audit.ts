import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadCheckpointVerifier } from '../../audit/checkpoint.js';
import { verifyAuditEvidence, type EvidenceResult, type ExpectedHead } from '../../audit/verify-evidence.js';
import { writeError, writeLine } from '../output.js';
import { readExpectedHead } from '../read-head.js';

interface VerifyOptions {
  head?: string;
  key?: string;
  tokenFile?: string;
}

/** `dutygate audit …`: the tamper-evident decision log. */
export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('check exported decision logs against the audit chain and its signed checkpoints');
  audit
    .command('verify')
    .description('verify decision log files (one per replica is fine); exit 1 naming the first edited, dropped, inserted, reordered, truncated or spliced record')
    .argument('<files...>', 'decision log files (JSON lines)')
    .option('--key <file>', "the gate's public audit key (JWKS from `dutygate keys generate --name audit`): checks every signed checkpoint")
    .option('--head <seq:hash|file|url>', 'the head the log must reach: SEQ:HASH, a saved checkpoint file, or a gate URL (asks GET /v1/audit/head with the admin token)')
    .option('--token-file <file>', 'admin token for --head <url> (default: $DUTYGATE_ADMIN_TOKEN)')
    .action(async (files: string[], options: VerifyOptions) => {
      let head: ExpectedHead | undefined;
      try {
        head = options.head === undefined ? undefined : await readExpectedHead(options.head, () => adminToken(options));
      } catch (error) {
        writeError(error instanceof Error ? error.message : String(error));
        process.exitCode = 2;
        return;
      }
      const verifier = options.key === undefined ? undefined : await loadCheckpointVerifier(options.key);
      const sources = await Promise.all(files.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
      const result = await verifyAuditEvidence(sources, { ...(verifier ? { verifier } : {}), ...(head ? { head } : {}) });
      report(result, options);
    });
}

function report(result: EvidenceResult, options: VerifyOptions): void {
  if (result.ok) {
    const range = result.firstSeq === undefined ? '' : ` (seq ${result.firstSeq}..${result.lastSeq})`;
    writeLine(`ok: ${result.records} records${range}${result.head ? `, head ${result.lastSeq}:${result.head}` : ''}`);
    if (result.lastCheckpoint) {
      const { seq, time, file, line } = result.lastCheckpoint;
      writeLine(`checkpoints: ${result.checkpoints} signed, newest seq ${seq} at ${time} (${file}:${line})`);
    } else if (options.key !== undefined) {
      writeLine('checkpoints: none in the log');
    }
    if (options.head !== undefined) writeLine(`head: the log reaches the expected head`);
    // Not a failure (the gate may simply not have checkpointed yet), but nothing proves that no
    // record followed: say so, so that the auditor does not read "ok" as "complete".
    if (result.unattested > 0) writeLine(`note: ${result.unattested} record(s) after the newest checkpoint${options.head === undefined ? ' and no --head' : ''}: a cut after them would not show`);
    return;
  }
  const { finding } = result;
  const what = [finding.seq === undefined ? undefined : `seq ${finding.seq}`, finding.decisionId === undefined ? undefined : `decision ${finding.decisionId}`].filter(Boolean).join(', ');
  writeError(`${finding.file}:${finding.line}: ${finding.kind}${what ? ` (${what})` : ''}: ${finding.message}`);
  process.exitCode = finding.kind === 'unverified' ? 2 : 1;
}

async function adminToken(options: VerifyOptions): Promise<string> {
  const token = options.tokenFile !== undefined ? (await readFile(options.tokenFile, 'utf8')).trim() : (process.env.DUTYGATE_ADMIN_TOKEN ?? '').trim();
  if (token === '') throw new Error('--head <url>: no admin token: pass --token-file FILE or set DUTYGATE_ADMIN_TOKEN');
  return token;
}
