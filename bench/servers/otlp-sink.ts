/**
 * A stand-in OpenTelemetry collector: accepts OTLP/HTTP exports (`POST /v1/traces`, …) and
 * discards them, answering 200 with an empty export response. The gate's spans are its audit
 * record, so a production gate always exports them; pointing it at a sink measures that cost,
 * where pointing it nowhere would measure connection-refused retries instead.
 *
 * Run as a child process pinned to the load generator's CPU. Prints `{"port":N}` once listening;
 * SIGTERM stops it and prints `{"requests":N,"bytes":N}`.
 */
import { createServer } from 'node:http';

let requests = 0;
let bytes = 0;
const server = createServer((request, response) => {
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  request.on('end', () => {
    requests++;
    // An empty ExportTraceServiceResponse: zero bytes of protobuf, or `{}` in JSON.
    const json = (request.headers['content-type'] ?? '').includes('json');
    response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
    response.end(json ? '{}' : undefined);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`);
});
process.once('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ requests, bytes })}\n`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
