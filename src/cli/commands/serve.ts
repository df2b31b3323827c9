import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { createLogger } from '../../log/logger.js';
import { startGate } from '../../server/start-gate.js';
import { telemetrySettingsFrom } from '../telemetry-env.js';

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
        { grpc: `${config.grpc.host}:${gate.grpcPort}`, http: `${config.http.host}:${gate.httpPort}`, policy_version: gate.policy.current().policyVersion, state: gate.state.driver },
        `dutygate listening: grpc ${config.grpc.host}:${gate.grpcPort}, http ${config.http.host}:${gate.httpPort}`,
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log.info({ signal }, 'draining in-flight checks');
          void gate.close().then(resolve, (error: unknown) => {
            log.error({ err: String(error) }, 'error while stopping');
            resolve();
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      log.info('stopped');
    });
}
