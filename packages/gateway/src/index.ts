export type {
  CorsOptions,
  HardenedServer,
  HardenedServerOptions,
  HttpServerLimits,
  RequestContext,
  ResolvedHttpLimits,
} from './http/hardened-server.js';
export {
  openAIErrorBody,
  resolveHttpLimits,
  sendHttpError,
  startHardenedServer,
} from './http/hardened-server.js';
export type { HttpErrorOptions, HttpErrorReason } from './http/http-error.js';
export { HttpError } from './http/http-error.js';
export type { ParseJsonOptions } from './http/parse-json.js';
export { DEFAULT_MAX_JSON_DEPTH, jsonNestingDepth, parseJson } from './http/parse-json.js';
export type { ReadBodyOptions } from './http/read-body.js';
export { DEFAULT_MAX_BODY_BYTES, readBody } from './http/read-body.js';
export {
  createHostCheck,
  defaultAllowedHosts,
  hostNameOf,
  isJsonContentType,
} from './http/request-checks.js';
