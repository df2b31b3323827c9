import type { CheckpointRecord, CheckpointVerifier } from './checkpoint.js';
import { verifyAuditLog, type CheckpointLine, type LinkAt, type TamperFinding, type VerifiedChain } from './verify-log.js';

/** The head an auditor expects the log to reach (`audit verify --head`). */
export interface ExpectedHead {
  readonly seq: number;
  readonly hash: string;
  /** Where it came from, for messages: `--head`, a file name or a URL. */
  readonly source: string;
  /** When the head is a signed checkpoint (exported file, `/v1/audit/head`): checked like one. */
  readonly checkpoint?: CheckpointRecord;
}

/** Options of {@link verifyAuditEvidence}. */
export interface EvidenceOptions {
  /** The gate's public audit key. Required when the log (or the head) carries signed checkpoints. */
  readonly verifier?: CheckpointVerifier;
  readonly head?: ExpectedHead;
}

/** What the newest checkpoint says, for the report. */
export interface LastCheckpoint {
  readonly seq: number;
  readonly time: string;
  readonly file: string;
  readonly line: number;
}

/** Result of {@link verifyAuditEvidence}. */
export type EvidenceResult =
  | {
      readonly ok: true;
      readonly records: number;
      readonly firstSeq?: number;
      readonly lastSeq?: number;
      readonly head?: string;
      /** Checkpoint lines checked (signature, and hash where the log holds their seq). */
      readonly checkpoints: number;
      readonly lastCheckpoint?: LastCheckpoint;
      /** Records after the newest checkpoint (or expected head): nothing attests them yet. */
      readonly unattested: number;
    }
  | { readonly ok: false; readonly records: number; readonly finding: TamperFinding };

/**
 * Everything `dutygate audit verify` checks: the chain ({@link verifyAuditLog}), then every
 * signed checkpoint in the log and the expected head. A checkpoint must carry a valid signature
 * (`forged` otherwise; `unverified` when no key was given), the record at its seq must carry its
 * hash (`spliced`: the chain was rewritten and re-hashed, named at the first record after the
 * newest checkpoint that still matches), and the log must reach its seq (`truncated`, named at
 * the last line). A checkpoint older than the log's first record (rotation) is only
 * signature-checked.
 */
export async function verifyAuditEvidence(sources: readonly { readonly file: string; readonly text: string }[], options: EvidenceOptions = {}): Promise<EvidenceResult> {
  const chain = verifyAuditLog(sources);
  if (!chain.ok) return chain;
  const fail = (finding: TamperFinding): EvidenceResult => ({ ok: false, records: chain.records, finding });

  const claims: CheckpointLine[] = [...chain.checkpoints];
  const head = options.head;
  for (const claim of claims) {
    const bad = await checkSignature(claim, options.verifier);
    if (bad) return fail(bad);
  }
  if (head?.checkpoint) {
    const bad = await checkSignature({ file: head.source, line: 1, checkpoint: head.checkpoint }, options.verifier);
    if (bad) return fail(bad);
  }

  // Attested positions, oldest first: the log's checkpoints, then the expected head.
  const attested: { seq: number; hash: string; where: string }[] = claims.map((c) => ({ seq: c.checkpoint.seq, hash: c.checkpoint.hash, where: `the signed checkpoint at ${c.file}:${c.line}` }));
  if (head) attested.push({ seq: head.seq, hash: head.hash, where: `the head from ${head.source}` });
  attested.sort((a, b) => a.seq - b.seq);

  let matched = chain.firstSeq === undefined ? 0 : chain.firstSeq - 1;
  for (const claim of attested) {
    if (chain.firstSeq === undefined || claim.seq < chain.firstSeq) continue;
    const link = chain.links.get(claim.seq);
    if (!link) return fail(truncated(chain, claim));
    if (link.hash !== claim.hash) return fail(spliced(chain, matched, claim, link));
    matched = Math.max(matched, claim.seq);
  }

  const newest = newestCheckpoint(claims);
  const covered = Math.max(newest?.seq ?? 0, head?.seq ?? 0);
  return {
    ok: true,
    records: chain.records,
    ...(chain.firstSeq === undefined ? {} : { firstSeq: chain.firstSeq }),
    ...(chain.lastSeq === undefined ? {} : { lastSeq: chain.lastSeq, head: chain.head as string }),
    checkpoints: claims.length,
    ...(newest ? { lastCheckpoint: newest } : {}),
    unattested: chain.lastSeq === undefined ? 0 : Math.max(0, chain.lastSeq - Math.max(covered, (chain.firstSeq ?? 1) - 1)),
  };
}

async function checkSignature(claim: CheckpointLine, verifier: CheckpointVerifier | undefined): Promise<TamperFinding | undefined> {
  const base = { file: claim.file, line: claim.line, seq: claim.checkpoint.seq };
  if (!verifier) return { ...base, kind: 'unverified', message: 'a signed checkpoint, and no key to check it with: pass --key <the gate audit public JWKS>' };
  if (await verifier(claim.checkpoint)) return undefined;
  return { ...base, kind: 'forged', message: 'the checkpoint signature does not verify with the given key (edited, or signed by another key)' };
}

function truncated(chain: VerifiedChain, claim: { seq: number; where: string }): TamperFinding {
  const last = chain.lastSeq ?? 0;
  const range = claim.seq - last > 1 ? `${last + 1}..${claim.seq}` : `${claim.seq}`;
  return {
    kind: 'truncated',
    file: chain.end?.file ?? '',
    line: chain.end?.line ?? 0,
    seq: last + 1,
    message: `the log ends at seq ${last}; ${claim.where} attests seq ${claim.seq}: seq ${range} missing`,
  };
}

function spliced(chain: VerifiedChain, matched: number, claim: { seq: number; where: string }, link: LinkAt): TamperFinding {
  // Every record up to `matched` agrees with an earlier checkpoint (or is the log's anchor), so
  // the rewrite starts after it: name the first record that could be rewritten.
  const from = chain.links.get(matched + 1) ?? link;
  const fromSeq = chain.links.has(matched + 1) ? matched + 1 : claim.seq;
  return {
    kind: 'spliced',
    file: from.file,
    line: from.line,
    seq: fromSeq,
    ...(from.decisionId ? { decisionId: from.decisionId } : {}),
    message: `seq ${claim.seq} (${link.file}:${link.line}) is not the record ${claim.where} attests: the chain was rewritten from seq ${fromSeq} to ${claim.seq}`,
  };
}

function newestCheckpoint(claims: readonly CheckpointLine[]): LastCheckpoint | undefined {
  let newest: CheckpointLine | undefined;
  for (const claim of claims) if (!newest || claim.checkpoint.seq >= newest.checkpoint.seq) newest = claim;
  return newest ? { seq: newest.checkpoint.seq, time: newest.checkpoint.time, file: newest.file, line: newest.line } : undefined;
}
