/**
 * The load generator's gRPC client: grpc-js over a few HTTP/2 connections (as an Envoy sidecar
 * keeps one per worker), requests spread round-robin, with a passthrough codec — requests are
 * pre-serialized bytes and responses stay bytes — so the client spends its CPU on HTTP/2 and not
 * on protobuf.
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
 * Connects to `127.0.0.1:port` with `connections` connections. `deadlineMs` is the per-call
 * deadline (Envoy's ext_authz `timeout`, 200 ms by default, arrives at the server as
 * `grpc-timeout`).
 */
export async function connectCheckClient(port: number, deadlineMs: number, connections = 1): Promise<CheckClient> {
  const clients = Array.from({ length: connections }, () => new Client(`127.0.0.1:${port}`, credentials.createInsecure(), {
    // Each client its own connection (no shared subchannel pool), as each Envoy worker has its own.
    'grpc.use_local_subchannel_pool': 1,
  }));
  await Promise.all(
    clients.map((client) => new Promise<void>((resolve, reject) => {
      client.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve()));
    })),
  );
  let next = 0;
  return {
    send(request, done, deadline = deadlineMs) {
      const client = clients[next++ % clients.length] as Client;
      client.makeUnaryRequest(CHECK_PATH, passthrough, passthrough, request, { deadline: Date.now() + deadline }, done);
    },
    close: () => {
      for (const client of clients) client.close();
    },
  };
}
