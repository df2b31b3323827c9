import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { ChannelOptions } from '@grpc/grpc-js';
import { loadProtos } from '../authz/load-protos.js';
import type { LimitsConfig, ListenConfig } from '../config/types.js';
import { createCheckHandler } from './grpc-check-handler.js';
import type { CheckFunction, FallbackDenyListener } from '../check/check-function.js';
import { createHealthService } from './health-service.js';
import type { HealthState } from './health-state.js';

export type { CheckContext, CheckFunction, FallbackDenyListener } from '../check/check-function.js';

/** Options of {@link startGrpcServer}. */
export interface GrpcServerOptions extends ListenConfig {
  readonly limits: LimitsConfig;
  /** The check pipeline; any rejection becomes a 503 INTERNAL deny. */
  readonly check: CheckFunction;
  /** Readiness reported by `grpc.health.v1.Health`; set NOT_SERVING by {@link GrpcServer.drain}. */
  readonly health: HealthState;
  /** Told about denies the server made itself (bad request, failed pipeline, missed deadline). */
  readonly onFallbackDeny?: FallbackDenyListener;
  /** Default: insecure — the gate listens for its own pod's Envoy sidecar. */
  readonly credentials?: ServerCredentials;
}

/** A running ext_authz + health gRPC server. */
export interface GrpcServer {
  /** The bound port (the real one when `port: 0` was asked for). */
  readonly port: number;
  /**
   * Graceful stop: reports NOT_SERVING, ends health Watch streams, refuses new calls, lets
   * in-flight Checks answer, and force-closes whatever is left after `timeoutMs` (default 5 s).
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Immediate stop: cancels in-flight calls. */
  forceShutdown(): void;
}

const MIB = 1024 * 1024;

/**
 * Server options. The receive bound must sit well above `maxBodyBytes + maxHeaderBytes`: a
 * message over it fails the RPC with RESOURCE_EXHAUSTED, which Envoy treats as an error, not a
 * deny, whereas an oversized body inside the bound is answered with BODY_TOO_LARGE.
 */
export function grpcServerOptions(limits: LimitsConfig): ChannelOptions {
  return {
    'grpc.max_receive_message_length': Math.max(4 * MIB, 2 * (limits.maxBodyBytes + limits.maxHeaderBytes) + 64 * 1024),
    // Responses are small (headers, a JSON deny body).
    'grpc.max_send_message_length': 4 * MIB,
    // Envoy keeps one long-lived HTTP/2 connection per worker; ping it when idle so a dead
    // peer is noticed and its streams released.
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    // 'grpc.enable_channelz' stays on: grpc-js 1.14 only tracks sessions for forceShutdown()
    // when channelz is enabled, and drain relies on forceShutdown to cut stuck calls.
  };
}

/** Starts the gRPC server with `envoy.service.auth.v3.Authorization` and `grpc.health.v1.Health`. */
export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  const protos = loadProtos();
  const server = new Server(grpcServerOptions(options.limits));
  server.addService(protos.authorization, {
    Check: createCheckHandler({
      limits: options.limits,
      check: options.check,
      ...(options.onFallbackDeny ? { onFallbackDeny: options.onFallbackDeny } : {}),
    }),
  });
  const health = createHealthService(options.health);
  server.addService(protos.health, health.implementation);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${formatHost(options.host)}:${options.port}`,
      options.credentials ?? ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    );
  });

  let draining: Promise<void> | undefined;
  return {
    port,
    drain(timeoutMs = 5_000) {
      draining ??= new Promise<void>((resolve) => {
        options.health.set('NOT_SERVING');
        health.close();
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return draining;
    },
    forceShutdown() {
      health.close();
      server.forceShutdown();
    },
  };
}

/** `bindAsync` wants IPv6 literals bracketed. */
function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
