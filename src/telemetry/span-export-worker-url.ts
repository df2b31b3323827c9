import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where the compiled span-export worker is. Beside this module in dist/; when this module runs
 * from its TypeScript source (vitest), Node cannot start a `.ts` worker, so the built one in
 * dist/telemetry/ is used (`npm test` builds before it runs the tests).
 */
export function spanExportWorkerUrl(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./span-export-worker.js', here);
  const source = fileURLToPath(here);
  return pathToFileURL(source.replace(/[\\/]src[\\/]telemetry[\\/][^\\/]+\.ts$/, '/dist/telemetry/span-export-worker.js'));
}
