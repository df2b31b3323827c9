/**
 * TypeScript shapes of the ext_authz messages as proto-loader hands them over with the options
 * in `load-protos.ts` (`keepCase`, `defaults: false`, `bytes: Buffer`, `longs: String`).
 * Decoded fields are all optional: an absent field is `undefined`, never a default value.
 */

/** `envoy.config.core.v3.HeaderValue`. */
export interface WireHeaderValue {
  key?: string;
  value?: string;
  raw_value?: Uint8Array;
}

/** `envoy.config.core.v3.HeaderValueOption` as dutygate sends it. */
export interface WireHeaderValueOption {
  header: { key: string; value: string };
  append_action?: 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';
  keep_empty_value?: boolean;
}

/** `envoy.config.core.v3.QueryParameter`. */
export interface WireQueryParameter {
  key: string;
  value: string;
}

/** `envoy.service.auth.v3.AttributeContext.HttpRequest`, decoded. */
export interface WireHttpRequest {
  id?: string;
  method?: string;
  headers?: Record<string, string>;
  header_map?: { headers?: WireHeaderValue[] };
  path?: string;
  host?: string;
  scheme?: string;
  query?: string;
  fragment?: string;
  size?: string;
  protocol?: string;
  body?: string;
  raw_body?: Uint8Array;
}

/** `envoy.service.auth.v3.CheckRequest`, decoded (peers are not read by dutygate). */
export interface WireCheckRequest {
  attributes?: {
    request?: { http?: WireHttpRequest };
    context_extensions?: Record<string, string>;
  };
}

/**
 * `google.protobuf.Value`. proto-loader takes the well-known types from protobufjs' bundled
 * definitions, whose field names are camelCase (`stringValue`) even under `keepCase: true`.
 */
export type WireValue =
  | { nullValue: 'NULL_VALUE' }
  | { stringValue: string }
  | { numberValue: number }
  | { boolValue: boolean };

/** `google.protobuf.Struct`. */
export interface WireStruct {
  fields: Record<string, WireValue>;
}

/** `envoy.service.auth.v3.OkHttpResponse` as dutygate sends it. */
export interface WireOkHttpResponse {
  headers: WireHeaderValueOption[];
  headers_to_remove: string[];
  query_parameters_to_set: WireQueryParameter[];
  query_parameters_to_remove: string[];
}

/** `envoy.service.auth.v3.DeniedHttpResponse` as dutygate sends it. */
export interface WireDeniedHttpResponse {
  /** An `envoy.type.v3.StatusCode`; its numbers are the HTTP statuses. */
  status: { code: number };
  headers: WireHeaderValueOption[];
  body: string;
}

/** `envoy.service.auth.v3.CheckResponse` as dutygate sends it: exactly one of the two responses. */
export type WireCheckResponse = {
  status: { code: number; message?: string };
  dynamic_metadata: WireStruct;
} & ({ ok_response: WireOkHttpResponse } | { denied_response: WireDeniedHttpResponse });
