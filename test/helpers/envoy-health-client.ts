/**
 * A `grpc.health.v1.Health` client, as Envoy's gRPC health checker and Kubernetes' gRPC probe
 * use it. The health proto is the standard one (grpc-proto), not an Envoy API.
 */
import { fileURLToPath } from 'node:url';
import { credentials, makeClientConstructor } from '@grpc/grpc-js';
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/proto-loader';

const definition = loadSync('grpc/health/v1/health.proto', {
  keepCase: true,
  enums: String,
  defaults: true,
  includeDirs: [fileURLToPath(new URL('../../proto/', import.meta.url))],
});
const Health = makeClientConstructor(definition['grpc.health.v1.Health'] as ServiceDefinition, 'grpc.health.v1.Health');

/** `UNKNOWN`, `SERVING`, `NOT_SERVING` or `SERVICE_UNKNOWN`. */
export type HealthStatus = string;

/** An open `Watch` stream. */
export interface HealthWatch {
  /** Every status received so far. */
  readonly statuses: readonly HealthStatus[];
  /** The next status not yet taken by `next()`; rejects after `timeoutMs` (default 2 s). */
  next(timeoutMs?: number): Promise<HealthStatus>;
  /** Resolves when the server ends the stream (with the final gRPC status code). */
  readonly ended: Promise<number>;
  cancel(): void;
}

/** A health client bound to one server. */
export interface HealthClient {
  /** Resolves with the status; rejects with the ServiceError (NOT_FOUND for an unknown name). */
  check(service?: string): Promise<HealthStatus>;
  watch(service?: string): HealthWatch;
  close(): void;
}

/** Connects a `grpc.health.v1.Health` client to `address` (`host:port`). */
export function createHealthClient(address: string): HealthClient {
  const client = new Health(address, credentials.createInsecure());
  return {
    check: (service = '') =>
      new Promise((resolve, reject) => {
        client.Check!({ service }, { deadline: Date.now() + 5_000 }, (error: ServiceError | null, res: { status: string }) =>
          error ? reject(error) : resolve(res.status),
        );
      }),
    watch: (service = '') => watchStream(client.Watch!({ service }) as ClientReadableStream<{ status: string }>),
    close: () => client.close(),
  };
}

function watchStream(stream: ClientReadableStream<{ status: string }>): HealthWatch {
  const statuses: HealthStatus[] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  stream.on('data', (message: { status: string }) => {
    statuses.push(message.status);
    wake?.();
  });
  const ended = new Promise<number>((resolve) => {
    stream.on('status', (s: { code: number }) => resolve(s.code));
  });
  // A cancelled stream emits an error; the status event above carries the code.
  stream.on('error', () => {});
  return {
    statuses,
    ended,
    async next(timeoutMs = 2_000) {
      const deadline = Date.now() + timeoutMs;
      while (taken >= statuses.length) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no health status within ${timeoutMs} ms (got ${statuses.join(', ')})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      return statuses[taken++]!;
    },
    cancel: () => stream.cancel(),
  };
}
