import { Buffer } from 'node:buffer';
import { AUDIT_GENESIS_HASH, auditLinkHash } from '../state/audit-hash.js';
import { parseStrictJson } from '../policy/mapping/parse-json.js';
import { canonicalRecord } from './canonical-record.js';
import { stampedLine } from './stamped-line.js';
import { isCheckpoint, type CheckpointRecord } from './checkpoint.js';
import { DECISION_RECORD_VERSION, type AuditRecord, type AuditStamp } from './decision-record.js';

/** How an exported log departs from the chain (or from a signed checkpoint of it). */
export type TamperKind = 'edited' | 'dropped' | 'inserted' | 'reordered' | 'malformed' | 'truncated' | 'spliced' | 'forged' | 'unverified';

/** One line of one exported decision log. */
interface Entry {
  readonly file: string;
  /** 1-based line number in its file. */
  readonly line: number;
  readonly record: AuditRecord;
  readonly stamp: AuditStamp | undefined;
  /** The record's canonical form, when the line was written in it (so it is not built twice). */
  readonly canonical?: string;
}

/** A `type: "checkpoint"` line, where it was found. */
export interface CheckpointLine {
  readonly file: string;
  readonly line: number;
  readonly checkpoint: CheckpointRecord;
}

/** Where the record of one chain position is, and its hash. */
export interface LinkAt {
  readonly file: string;
  readonly line: number;
  readonly hash: string;
  readonly decisionId?: string;
}

/** The first problem found, naming the record. */
export interface TamperFinding {
  readonly kind: TamperKind;
  readonly file: string;
  readonly line: number;
  /** The chain position concerned (for `dropped`/`truncated`: the first missing one). */
  readonly seq?: number;
  readonly decisionId?: string;
  readonly message: string;
}

/** A chain that verified: what it holds, for the checkpoint checks that follow. */
export interface VerifiedChain {
  readonly ok: true;
  readonly records: number;
  readonly firstSeq?: number;
  readonly lastSeq?: number;
  readonly head?: string;
  /** Every record by seq. */
  readonly links: ReadonlyMap<number, LinkAt>;
  /** The checkpoint lines, in file order (file by file). */
  readonly checkpoints: readonly CheckpointLine[];
  /** The last line holding a record (where a cut-off tail is named); undefined for an empty log. */
  readonly end?: { readonly file: string; readonly line: number };
}

/** Result of {@link verifyAuditLog}. */
export type VerifyResult = VerifiedChain | { readonly ok: false; readonly records: number; readonly finding: TamperFinding };

/**
 * Verifies exported decision logs against the audit chain and names the first edited, dropped,
 * inserted or reordered record. One file is checked in file order. Several files (one per
 * replica: the chain is shared, so each holds every replica's records interleaved by seq) must
 * each be in seq order and are then merged by seq. The first record is trusted as the start
 * (a log may begin after rotation) unless it is seq 1, whose previous hash must be the genesis.
 * A cut-off tail is still a valid chain: `verifyAuditEvidence` checks the signed checkpoints
 * (collected here, not checked) and an expected head.
 */
export function verifyAuditLog(sources: readonly { readonly file: string; readonly text: string }[]): VerifyResult {
  const entries: Entry[] = [];
  const checkpoints: CheckpointLine[] = [];
  for (const source of sources) {
    const parsed = parseSource(source.file, source.text);
    if ('kind' in parsed) return { ok: false, records: entries.length, finding: parsed };
    if (sources.length > 1) {
      const out = outOfOrder(parsed.entries);
      if (out) return { ok: false, records: entries.length + parsed.entries.length, finding: out };
    }
    entries.push(...parsed.entries);
    checkpoints.push(...parsed.checkpoints);
  }
  if (sources.length > 1) entries.sort((a, b) => (a.stamp?.seq ?? 0) - (b.stamp?.seq ?? 0));
  const finding = walk(entries);
  if (finding) return { ok: false, records: entries.length, finding };
  const first = entries[0]?.stamp;
  const last = entries[entries.length - 1]?.stamp;
  const links = new Map<number, LinkAt>();
  let end: { file: string; line: number } | undefined;
  for (const entry of entries) {
    const stamp = entry.stamp as AuditStamp;
    links.set(stamp.seq, { file: entry.file, line: entry.line, hash: stamp.hash, ...(entry.record.decision_id ? { decisionId: entry.record.decision_id } : {}) });
    if (!end || entry.file !== end.file || entry.line > end.line) end = { file: entry.file, line: entry.line };
  }
  return {
    ok: true,
    records: entries.length,
    ...(first ? { firstSeq: first.seq } : {}),
    ...(last ? { lastSeq: last.seq, head: last.hash } : {}),
    links,
    checkpoints,
    ...(end ? { end } : {}),
  };
}

function parseSource(file: string, text: string): { entries: Entry[]; checkpoints: CheckpointLine[] } | TamperFinding {
  const entries: Entry[] = [];
  const checkpoints: CheckpointLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '') continue;
    let record: AuditRecord | CheckpointRecord;
    try {
      record = JSON.parse(raw) as AuditRecord | CheckpointRecord;
    } catch {
      return { kind: 'malformed', file, line: i + 1, message: 'not a JSON line' };
    }
    const form = strictLine(raw, record);
    if ('kind' in form) return { ...form, file, line: i + 1 };
    if (typeof record === 'object' && record !== null && record.v === DECISION_RECORD_VERSION && record.type === 'checkpoint') {
      if (!isCheckpoint(record)) return { kind: 'malformed', file, line: i + 1, message: 'not a well-formed checkpoint' };
      checkpoints.push({ file, line: i + 1, checkpoint: record });
      continue;
    }
    if (typeof record !== 'object' || record === null || record.v !== DECISION_RECORD_VERSION || (record.type !== 'decision' && record.type !== 'approval')) {
      return { kind: 'malformed', file, line: i + 1, message: `not a version ${DECISION_RECORD_VERSION} audit record` };
    }
    entries.push({ file, line: i + 1, record, stamp: readStamp(record.audit), ...form });
  }
  return { entries, checkpoints };
}

/**
 * A line must be exactly a serialization the gate writes of the record it parses to (issue 19):
 * `JSON.parse` keeps the LAST of two equal keys, other readers (and log tools) the first, so a
 * prepended `"decision":"deny",` would show a forgery to them while the chain verified the
 * original. A repeated key, extra whitespace or another escape of the same string changes the
 * round trip. The gate writes a record either as `JSON.stringify` of it (chain off, and logs of
 * earlier versions) or as its canonical JSON with the stamp appended (chain on); both are
 * deterministic functions of the parsed record, so accepting either keeps a line's bytes tied to
 * what every reader sees. The second is needed, not a courtesy: an agent's integer-like param
 * keys ("10", "9") are sorted by code unit in the canonical form but numerically by `JSON.parse`,
 * so such a line never survives the `JSON.stringify` round trip.
 */
function strictLine(raw: string, record: unknown): Omit<TamperFinding, 'file' | 'line'> | { readonly canonical?: string } {
  if (JSON.stringify(record) === raw) return {};
  const canonical = canonicalLineOf(raw, record);
  if (canonical !== undefined) return { canonical };
  const strict = parseStrictJson(Buffer.from(raw, 'utf8'), { maxBodyBytes: Number.MAX_SAFE_INTEGER, maxJsonDepth: STRICT_DEPTH });
  if (!strict.ok && strict.code === 'BODY_DUPLICATE_KEY') {
    return { kind: 'edited', message: `repeats an object key, which JSON readers resolve differently (${strict.reason})` };
  }
  return { kind: 'malformed', message: 'not in a form the gate writes (its canonical JSON with the stamp, or the JSON serialization of its own record): whitespace, escapes, key order or number forms were changed' };
}

/** The record's canonical form when `raw` is that form with the record's stamp appended. */
function canonicalLineOf(raw: string, record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
  const fields = record as Readonly<Record<string, unknown>>;
  const canonical = canonicalRecord(fields as unknown as AuditRecord);
  const stamp = Object.hasOwn(fields, 'audit') ? JSON.stringify(fields['audit']) : undefined;
  return stampedLine(canonical, stamp) === raw ? canonical : undefined;
}

// Records nest params a few levels at most; the gate refuses bodies deeper than its own limit.
const STRICT_DEPTH = 512;

function readStamp(value: unknown): AuditStamp | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { seq, hash, prev_hash } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(seq) || typeof hash !== 'string' || typeof prev_hash !== 'string') return undefined;
  return { seq: seq as number, hash, prev_hash };
}

function outOfOrder(entries: readonly Entry[]): TamperFinding | undefined {
  for (let i = 1; i < entries.length; i++) {
    const [before, entry] = [entries[i - 1] as Entry, entries[i] as Entry];
    if (before.stamp && entry.stamp && entry.stamp.seq <= before.stamp.seq) {
      return finding('reordered', entry, `seq ${entry.stamp.seq} comes after seq ${before.stamp.seq} (line ${before.line})`);
    }
  }
  return undefined;
}

function walk(entries: readonly Entry[]): TamperFinding | undefined {
  const lineOfSeq = new Map<number, number>();
  for (const entry of entries) if (entry.stamp && !lineOfSeq.has(entry.stamp.seq)) lineOfSeq.set(entry.stamp.seq, entry.line);

  let prev: Entry | undefined;
  let prevPrev: Entry | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as Entry;
    const stamp = entry.stamp;
    if (!stamp) return finding('inserted', entry, 'carries no chain stamp: inserted, or its chain append failed when it was written');
    const sealed = auditLinkHash(stamp.prev_hash, entry.canonical ?? canonicalRecord(entry.record)) === stamp.hash;
    const before = prev?.stamp;
    const linked = before ? stamp.prev_hash === before.hash : stamp.seq !== 1 || stamp.prev_hash === AUDIT_GENESIS_HASH;
    const inStep = before ? stamp.seq === before.seq + 1 : true;
    if (sealed && linked && inStep) {
      prevPrev = prev;
      prev = entry;
      continue;
    }
    if (!prev) return finding('edited', entry, sealed ? 'seq 1 does not start from the genesis hash' : 'its content does not match its hash');
    return diagnose(entry, stamp, sealed, linked, prev, prevPrev, entries[i + 1], lineOfSeq);
  }
  return undefined;
}

/** Names what happened at the first record that does not continue the chain. */
function diagnose(
  entry: Entry,
  stamp: AuditStamp,
  sealed: boolean,
  linked: boolean,
  prev: Entry,
  prevPrev: Entry | undefined,
  next: Entry | undefined,
  lineOfSeq: ReadonlyMap<number, number>,
): TamperFinding {
  const before = prev.stamp as AuditStamp;
  // Linked to its predecessor by hash, so only the seq number itself was changed.
  if (sealed && linked) return finding('edited', entry, `its seq was changed: it links directly to seq ${before.seq}`);
  const expected = before.seq + 1;
  const later = lineOfSeq.get(expected);
  if (stamp.seq > expected && later !== undefined && later > entry.line) {
    return finding('reordered', entry, `seq ${stamp.seq} comes before seq ${expected} (line ${later})`);
  }
  // The next record still links to the one before this: this one does not belong.
  if (next?.stamp !== undefined && next.stamp.prev_hash === before.hash) {
    return finding('inserted', entry, `not part of the chain: seq ${expected} (line ${next.line}) links to seq ${before.seq}`);
  }
  // A fork: this and the previous record both claim to follow the same record. The one the
  // chain continues from is genuine.
  if (prevPrev?.stamp !== undefined && stamp.prev_hash === prevPrev.stamp.hash && stamp.seq === before.seq) {
    if (next?.stamp !== undefined && next.stamp.prev_hash === stamp.hash) {
      return finding('inserted', prev, `not part of the chain: seq ${stamp.seq} (line ${entry.line}) links to seq ${prevPrev.stamp.seq}, and the chain continues from it`);
    }
    return finding('inserted', entry, `not part of the chain: a second seq ${stamp.seq} after line ${prev.line}`);
  }
  if (!sealed) return finding('edited', entry, 'its content does not match its hash');
  if (stamp.seq <= before.seq) return finding('reordered', entry, `seq ${stamp.seq} comes after seq ${before.seq} (line ${prev.line})`);
  if (stamp.seq > expected) {
    const range = stamp.seq - expected > 1 ? `${expected}..${stamp.seq - 1}` : `${expected}`;
    return { kind: 'dropped', file: entry.file, line: entry.line, seq: expected, message: `seq ${range} missing before this line (seq ${stamp.seq})` };
  }
  // Right seq, sealed, but the link is broken: the previous record was edited and re-hashed
  // (or records were dropped and the rest renumbered, which seq alone cannot tell apart).
  return finding('edited', prev, `its hash was recomputed: seq ${stamp.seq} (line ${entry.line}) links to a different record`);
}

function finding(kind: TamperKind, entry: Entry, message: string): TamperFinding {
  return {
    kind,
    file: entry.file,
    line: entry.line,
    ...(entry.stamp ? { seq: entry.stamp.seq } : {}),
    ...(entry.record.decision_id ? { decisionId: entry.record.decision_id } : {}),
    message,
  };
}
