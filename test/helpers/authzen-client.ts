/**
 * A small AuthZEN Authorization API 1.0 client written from the specification text (OpenID
 * AuthZEN, "Authorization API 1.0": Access Evaluation API, Access Evaluations API, HTTPS binding,
 * PDP metadata), not from dutygate's code: it imports nothing from src/. It speaks plain JSON over
 * fetch, the way a gateway PEP would.
 */

/** The spec's entities (§ Information Model): plain JSON objects. */
export interface Subject { type: string; id: string; properties?: Record<string, unknown> }
export interface Resource { type: string; id: string; properties?: Record<string, unknown> }
export interface Action { name: string; properties?: Record<string, unknown> }
export type Context = Record<string, unknown>;

/** The 4-tuple of an Access Evaluation Request. */
export interface EvaluationRequest { subject: Subject; action: Action; resource: Resource; context?: Context }

/** An Access Evaluations Request: defaults plus an `evaluations` array and `options`. */
export interface EvaluationsRequest {
  subject?: Subject;
  action?: Action;
  resource?: Resource;
  context?: Context;
  evaluations: Partial<EvaluationRequest>[];
  options?: { evaluations_semantic?: 'execute_all' | 'deny_on_first_deny' | 'permit_on_first_permit'; [key: string]: unknown };
}

/** An Access Evaluation Response. Its context is free-form JSON the PDP chose, read loosely by tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a foreign server's JSON, navigated by the assertions
export interface Decision { decision: boolean; context?: Record<string, any> }

/** What came back over HTTP. */
export interface Reply<T> { status: number; body: T; requestId: string | null; headers: Headers }

/** The PEP side: base URL of the PDP and the PEP's credential. */
export function createAuthzenClient(baseUrl: string, bearer?: string) {
  async function call<T>(method: 'GET' | 'POST', path: string, body: unknown, options: { requestId?: string; bearer?: string | null } = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const credential = options.bearer === undefined ? bearer : options.bearer;
    if (credential !== null && credential !== undefined) headers.authorization = `Bearer ${credential}`;
    if (options.requestId !== undefined) headers['x-request-id'] = options.requestId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T, requestId: response.headers.get('x-request-id'), headers: response.headers };
  }
  return {
    /** `GET /.well-known/authzen-configuration` (§ PDP Metadata). */
    metadata: (options?: { requestId?: string }) => call<Record<string, string>>('GET', '/.well-known/authzen-configuration', undefined, { ...options, bearer: null }),
    /** `POST /access/v1/evaluation`. */
    evaluation: (request: EvaluationRequest | string, options?: { requestId?: string; bearer?: string | null }) => call<Decision>('POST', '/access/v1/evaluation', request, options),
    /** `POST /access/v1/evaluations`. */
    evaluations: (request: EvaluationsRequest, options?: { requestId?: string; bearer?: string | null }) => call<{ evaluations: Decision[] }>('POST', '/access/v1/evaluations', request, options),
  };
}
