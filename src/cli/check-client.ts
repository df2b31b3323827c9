import { credentials, makeGenericClientConstructor, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadProtos } from '../authz/load-protos.js';

/** A request to send to a running gate, shaped like what Envoy would send for it. */
export interface CheckSpec {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The parts of a CheckResponse a person wants to see. */
export interface CheckResult {
  readonly grpcStatus: number;
  readonly allowed: boolean;
  readonly httpStatus?: number;
  readonly body?: unknown;
  readonly headers: Record<string, string>;
  readonly removedHeaders: readonly string[];
  readonly metadata?: unknown;
}

type CheckMethod = (request: unknown, options: { deadline: Date }, callback: (error: ServiceError | null, response: Record<string, unknown>) => void) => void;

/**
 * Sends one Check to a gate over gRPC with dutygate's own protos (the same wire format as
 * Envoy's) — what `dutygate check` uses instead of grpcurl.
 */
export async function sendCheck(address: string, spec: CheckSpec, timeoutMs = 5_000): Promise<CheckResult> {
  const Authorization = makeGenericClientConstructor(loadProtos().authorization, 'Authorization');
  const client = new Authorization(address, credentials.createInsecure()) as unknown as Client & { Check: CheckMethod };
  const headers: Record<string, string> = {
    ':method': spec.method.toUpperCase(),
    ':path': spec.url.pathname + spec.url.search,
    ':authority': spec.url.host,
    ':scheme': spec.url.protocol.replace(':', ''),
    ...Object.fromEntries(Object.entries(spec.headers).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const request = {
    attributes: {
      request: {
        http: {
          id: String(Date.now()),
          method: spec.method.toUpperCase(),
          path: spec.url.pathname + spec.url.search,
          host: spec.url.host,
          scheme: spec.url.protocol.replace(':', ''),
          protocol: 'HTTP/1.1',
          headers,
          ...(spec.body === undefined ? {} : { body: spec.body, size: String(Buffer.byteLength(spec.body)) }),
        },
      },
    },
  };
  try {
    const response = await new Promise<Record<string, unknown>>((resolve, reject) => {
      client.Check(request, { deadline: new Date(Date.now() + timeoutMs) }, (error, reply) => (error ? reject(error) : resolve(reply)));
    });
    return summarize(response);
  } finally {
    client.close();
  }
}

function summarize(response: Record<string, unknown>): CheckResult {
  const status = (response.status ?? {}) as { code?: number };
  const grpcStatus = status.code ?? 0;
  const denied = response.denied_response as { status?: { code?: string | number }; body?: string; headers?: HeaderOption[] } | undefined;
  const ok = response.ok_response as { headers?: HeaderOption[]; headers_to_remove?: string[] } | undefined;
  const headerList = denied?.headers ?? ok?.headers ?? [];
  const headers = Object.fromEntries(headerList.map((option) => [option.header?.key ?? '', option.header?.value ?? '']));
  let body: unknown = denied?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // keep the text
    }
  }
  return {
    grpcStatus,
    allowed: grpcStatus === 0,
    ...(denied?.status?.code === undefined ? {} : { httpStatus: httpStatusNumber(denied.status.code) }),
    ...(body === undefined ? {} : { body }),
    headers,
    removedHeaders: ok?.headers_to_remove ?? [],
    metadata: structToPlain(response.dynamic_metadata),
  };
}

interface HeaderOption {
  header?: { key?: string; value?: string };
}

/** `enums: String` decodes HTTP statuses to names (`Forbidden`); map back to numbers. */
function httpStatusNumber(code: string | number): number {
  if (typeof code === 'number') return code;
  const names: Record<string, number> = { BadRequest: 400, Unauthorized: 401, Forbidden: 403, ServiceUnavailable: 503, TooManyRequests: 429, InternalServerError: 500 };
  return names[code] ?? Number(code);
}

interface StructValue {
  kind?: string;
  [member: string]: unknown;
}

/** A decoded `google.protobuf.Struct` → plain object (metadata values are flat strings/bools). */
function structToPlain(struct: unknown): Record<string, unknown> {
  const fields = (struct as { fields?: Record<string, StructValue> } | undefined)?.fields ?? {};
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, value.kind === undefined ? undefined : value[value.kind]]));
}
