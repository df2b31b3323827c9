/**
 * The load generator's gRPC client: grpc-js, one HTTP/2 connection (as one Envoy worker keeps),
 * with a passthrough codec — requests are pre-serialized bytes and responses stay bytes — so the
 * client spends its CPU on HTTP/2 and not on protobuf.
 */
import { Client, credentials } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { CHECK_PATH } from '../bench-protos.js';

/** Called once per request: an RPC error, or the response bytes. */
export type CheckCallback = (error: ServiceError | null, response?: Buffer) => void;

/** A connected Check client. */
export interface CheckClient {
  /** Sends one request; `deadlineMs` overrides the client's per-call deadline. */
  send(request: Buffer, done: CheckCallback, deadlineMs?: number): void;
  close(): void;
}

const passthrough = (bytes: Buffer): Buffer => bytes;

/**
 * Connects to `127.0.0.1:port`. `deadlineMs` is the per-call deadline (Envoy's ext_authz
 * `timeout`, 200 ms by default, arrives at the server as `grpc-timeout`).
 */
export async function connectCheckClient(port: number, deadlineMs: number): Promise<CheckClient> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), {
    // Each server gets its own connection even when a previous one to the same port is cached.
    'grpc.use_local_subchannel_pool': 1,
  });
  await new Promise<void>((resolve, reject) => {
    client.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve()));
  });
  return {
    send(request, done, deadline = deadlineMs) {
      client.makeUnaryRequest(CHECK_PATH, passthrough, passthrough, request, { deadline: Date.now() + deadline }, done);
    },
    close: () => client.close(),
  };
}
