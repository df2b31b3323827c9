import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** Shortest admin token accepted: a guessable token would make rollback a remote switch. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

/** `admin` of the gate config: the token, inline (`${VAR}`) or in a file. */
export interface AdminTokenSource {
  readonly token?: string;
  readonly tokenFile?: string;
}

/** Checks `authorization: Bearer <admin token>` on admin endpoints. */
export interface AdminAuth {
  /** True when the header carries the admin token. Constant time in the token's content. */
  verify(authorization: string | undefined): boolean;
}

/**
 * Loads the admin token (a file is read once, at start-up, and trimmed of surrounding
 * whitespace, so `echo … > admin.token` works). Comparison hashes both sides with sha256 first
 * so that `timingSafeEqual` sees equal lengths and the time taken reveals neither the token's
 * content nor its length.
 *
 * @throws Error when the file cannot be read or the token is shorter than 16 characters.
 */
export async function loadAdminAuth(source: AdminTokenSource, label = 'admin'): Promise<AdminAuth> {
  const token = source.tokenFile !== undefined ? (await readFile(source.tokenFile, 'utf8')).trim() : (source.token ?? '');
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new Error(`${label} token ${source.tokenFile !== undefined ? `in ${source.tokenFile} ` : ''}is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  }
  const expected = digest(token);
  return {
    verify(authorization) {
      const match = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '');
      return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null;
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
