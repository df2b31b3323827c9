import { readFile } from 'node:fs/promises';
import { isCheckpoint } from '../audit/checkpoint.js';
import type { ExpectedHead } from '../audit/verify-evidence.js';

/** Largest head answer or file read (a checkpoint is well under 1 KiB). */
const MAX_HEAD_BYTES = 16_384;
const TIMEOUT_MS = 10_000;
const SEQ_HASH = /^(\d+):([0-9a-f]{64})$/;

/**
 * Reads `audit verify --head`: `SEQ:HASH` as printed by a span or an earlier verify; an
 * http(s) URL of a gate (`/v1/audit/head` is appended to a bare base URL), asked with the admin
 * token; or a file holding one checkpoint (what that endpoint answers, or a `checkpoint` line
 * of a log). Errors are thrown as messages for the user.
 */
export async function readExpectedHead(value: string, adminToken: () => Promise<string>): Promise<ExpectedHead> {
  const literal = SEQ_HASH.exec(value.trim());
  if (literal) return { seq: Number(literal[1]), hash: literal[2] as string, source: '--head' };
  if (/^https?:\/\//.test(value)) return fromJson(await fetchHead(value, await adminToken()), value);
  let text: string;
  try {
    text = await readFile(value, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`--head: '${value}' is not SEQ:HASH (a number, a colon, 64 hex digits), a URL or a file`);
    throw error;
  }
  if (text.length > MAX_HEAD_BYTES) throw new Error(`--head: ${value} is larger than a checkpoint`);
  return fromJson(text, value);
}

async function fetchHead(value: string, token: string): Promise<string> {
  const url = new URL(value);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/audit/head';
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await response.text();
  if (!response.ok) throw new Error(`--head: ${url.href} answered ${response.status}: ${text.slice(0, 200)}`);
  if (text.length > MAX_HEAD_BYTES) throw new Error(`--head: ${url.href} answered more than a checkpoint`);
  return text;
}

function fromJson(text: string, source: string): ExpectedHead {
  let value: unknown;
  try {
    value = JSON.parse(text.trim());
  } catch {
    throw new Error(`--head: ${source} is not JSON`);
  }
  if (isCheckpoint(value)) return { seq: value.seq, hash: value.hash, source, checkpoint: value };
  const head = value as { seq?: unknown; hash?: unknown };
  if (Number.isSafeInteger(head.seq) && typeof head.hash === 'string' && /^[0-9a-f]{64}$/.test(head.hash)) return { seq: head.seq as number, hash: head.hash, source };
  if (head.seq === 0) throw new Error(`--head: ${source} says the chain is empty`);
  throw new Error(`--head: ${source} holds neither a checkpoint nor {seq, hash}`);
}
