/**
 * A stand-in OpenTelemetry collector: accepts OTLP/HTTP exports (`POST /v1/traces`, …) and
 * discards them, answering 200 with an empty export response. The gate's spans are its audit
 * record, so a production gate always exports them; pointing it at a sink measures that cost,
 * where pointing it nowhere would measure connection-refused retries instead.
 *
 * It also counts the `dutygate.check` spans it receives (the span name appears verbatim in the
 * protobuf), so the bench can tell whether spans were dropped under load: a span the SDK's batch
 * queue drops is an audit record lost.
 *
 * Run as a child process pinned to the load generator's CPU. Prints `{"port":N}` once listening;
 * `GET /tally` answers the counts so far (the bench reads spans per phase); SIGTERM stops it and
 * prints `{"requests":N,"bytes":N,"checkSpans":N}`.
 */
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';

const CHECK_SPAN = Buffer.from('dutygate.check');
let requests = 0;
let bytes = 0;
let checkSpans = 0;

function count(body: Buffer): number {
  let found = 0;
  // Bounded by the body length: each match moves past itself.
  for (let at = body.indexOf(CHECK_SPAN); at >= 0; at = body.indexOf(CHECK_SPAN, at + CHECK_SPAN.length)) found++;
  return found;
}

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/tally') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests, bytes, checkSpans }));
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    chunks.push(chunk);
  });
  request.on('end', () => {
    requests++;
    checkSpans += count(Buffer.concat(chunks));
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
  process.stdout.write(`${JSON.stringify({ requests, bytes, checkSpans })}\n`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
