import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../log/logger.js';
import { startGate } from '../../server/start-gate.js';
import { telemetrySettingsFrom } from '../telemetry-env.js';
import { ed25519Backend } from '../../identity/ed25519.js';
import { missingGateNodeFlags } from '../node-flags.js';

/**
 * Longest a stop may take from the signal to the exit (README "Operations › Shutdown
 * guarantees"): the drain (5 s at most), then the decision log, spans (3 s at most) and Redis
 * (0.5 s at most) — well inside Kubernetes' default 30 s grace period, even after a 5 s preStop.
 * A stop that overruns it (a hung write, say) exits 1 rather than wait for SIGKILL.
 */
export const SHUTDOWN_CAP_MS = 15_000;

/** `dutygate serve --config FILE`: runs the gate until SIGTERM/SIGINT, then drains and exits 0. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the gate: gRPC ext_authz + health, and the HTTP API')
    .requiredOption('-c, --config <file>', 'path of dutygate.yaml')
    .action(async (options: { config: string }) => {
      const config = await loadConfig(options.config, process.env);
      const log = createLogger(config.log.level);
      // Spans per OTEL_* (exported from a worker thread); metrics on /metrics; span losses logged on `log`.
      // Loaded here: the NodeSDK takes a third of a second to import, which no other command needs.
      const { startTelemetry } = await import('../../telemetry/start-telemetry.js');
      const gate = await startGate(config, log, { telemetry: startTelemetry(telemetrySettingsFrom(process.env), log) });
      log.info(
        { grpc: `${config.grpc.host}:${gate.grpcPort}`, http: `${config.http.host}:${gate.httpPort}`, policy_version: gate.policy.current().policyVersion, state: gate.state.driver, ed25519: ed25519Backend },
        `dutygate listening: grpc ${config.grpc.host}:${gate.grpcPort}, http ${config.http.host}:${gate.httpPort}`,
      );
      const missing = missingGateNodeFlags();
      if (missing.length > 0) log.info({ missing }, `node was started without ${missing.join(' ')}: on one core the tail latency is higher (README "Performance")`);
      const stopped = await new Promise<boolean>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          // A second signal (Ctrl-C twice, an impatient supervisor) means now.
          if (stopping) {
            log.error({ signal }, 'second signal: exiting before the stop finished');
            resolve(false);
            return;
          }
          stopping = true;
          const { inFlight, queued } = gate.checksUnderWay();
          log.info({ signal, in_flight: inFlight, queued }, 'draining in-flight checks');
          const cap = setTimeout(() => {
            log.error({ cap_ms: SHUTDOWN_CAP_MS }, 'shutdown cap reached: exiting before the stop finished');
            resolve(false);
          }, SHUTDOWN_CAP_MS);
          void gate.close().then(
            () => resolve(true),
            (error: unknown) => {
              log.error({ err: String(error) }, 'error while stopping');
              resolve(false);
            },
          ).finally(() => clearTimeout(cap));
        };
        process.on('SIGTERM', () => stop('SIGTERM'));
        process.on('SIGINT', () => stop('SIGINT'));
      });
      if (stopped) log.info('stopped');
      // Exit now rather than when the event loop empties: what still holds it is work the stop
      // gave up on by design — a span export retrying against an unreachable collector keeps its
      // own timers for seconds after telemetry's bounded shutdown stopped waiting for it. The
      // process log is written synchronously and the decision log was flushed by close().
      process.exit(stopped ? 0 : 1);
    });
}
