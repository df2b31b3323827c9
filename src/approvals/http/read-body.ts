import type { IncomingMessage } from 'node:http';

/** Why a body was refused. */
export class BodyError extends Error {
  constructor(
    readonly code: 'BODY_TOO_LARGE' | 'BAD_REQUEST',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a request body of at most `maxBytes`, refusing early on a larger `content-length` and
 * stopping to buffer as soon as the stream passes the bound (an unbounded body is a memory
 * attack). The rest is drained, not destroyed, so that the refusal can still be answered.
 */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new BodyError('BODY_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
    if (Number(request.headers['content-length'] ?? '0') > maxBytes) {
      request.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      request.off('data', onData);
      request.off('end', onEnd);
      request.resume();
      reject(tooLarge());
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('error', reject);
  });
}

/** Reads and parses a JSON object body of at most `maxBytes`. */
export async function readJsonObject(request: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const text = (await readBody(request, maxBytes)).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BodyError('BAD_REQUEST', 'the body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BodyError('BAD_REQUEST', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}
