import { describe, expect, it } from 'vitest';
import { parseCheckRequest } from '../../src/authz/parse-check-request.js';
import { loadBenchProtos } from '../../bench/bench-protos.js';
import { encodeCheckRequest } from '../../bench/workload/encode-check-request.js';
import { buildEnvoyCheckRequest } from '../../bench/workload/envoy-request.js';

const LIMITS = { maxHeaderBytes: 65536, maxBodyBytes: 65536 };
const decode = (bytes: Buffer) => loadBenchProtos().check.requestDeserialize(bytes);

describe('encodeCheckRequest', () => {
  const cases = [
    { name: 'POST with a JSON body and a chain', call: { method: 'POST', host: 'payments.internal', path: '/payments', body: '{"amount":12.5,"memo":"héllo ✓"}' }, chain: 'a.b.c,d.e.f' },
    { name: 'GET with a query and no body', call: { method: 'GET', host: 'billing.internal', path: '/invoices/inv_1?expand=lines' } },
    { name: 'a body over 127 bytes (two-byte lengths)', call: { method: 'PUT', host: 'crm.internal', path: '/customers/c1', body: `{"note":"${'x'.repeat(300)}"}` } },
  ];
  for (const { name, call, chain } of cases) {
    it(`${name}: the gate's own codec decodes exactly what was built`, () => {
      const fields = buildEnvoyCheckRequest(call, chain === undefined ? { token: 'h.p.s' } : { token: 'h.p.s', chain }, 42, 1_795_000_000_123);
      const decoded = decode(encodeCheckRequest(fields));
      const http = decoded.attributes?.request?.http;
      expect(http).toMatchObject({ id: '1000000042', method: call.method, path: call.path, host: call.host, scheme: 'http', protocol: 'HTTP/1.1' });
      expect(http?.headers).toEqual(fields.http.headers);
      expect(http?.body).toBe(call.body);
      expect(http?.size).toBe(call.body === undefined ? undefined : String(Buffer.byteLength(call.body)));
      expect(decoded).toMatchObject({
        attributes: {
          source: { address: { socket_address: { address: '10.42.3.17', port_value: 43512 } } },
          request: { time: { seconds: '1795000000', nanos: 123_000_000 } },
        },
      });

      const parsed = parseCheckRequest(decoded, LIMITS);
      if (!parsed.ok) throw parsed.error;
      expect(parsed.request.method).toBe(call.method);
      expect(parsed.request.headers.get('authorization')).toBe('Bearer h.p.s');
      expect(parsed.request.headers.get('x-agent-chain')).toBe(chain);
      expect(parsed.request.body === undefined ? undefined : Buffer.from(parsed.request.body).toString('utf8')).toBe(call.body);
    });
  }
});
