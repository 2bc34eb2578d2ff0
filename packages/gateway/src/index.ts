export { anthropicMessagesDialect } from './anthropic/messages-dialect.js';
export {
  anthropicErrorBody,
  fromMessagesRequest,
  MessagesEventEncoder,
  messagesRequestSchema,
  toMessagesResponse,
  toStopReason,
} from './anthropic/messages-wire.js';
export { apiKeyOf, hashApiKey } from './api-keys.js';
export type { GatewayCliIO } from './cli.js';
export { GATEWAY_USAGE, runGatewayCli } from './cli.js';
export type { EndpointConfig, GatewayConfig, KeyConfig, RouteConfig } from './config/gateway-config.js';
export {
  formatConfigPath,
  gatewayConfigSchema,
  isYamlConfigFile,
  loadGatewayConfig,
  parseGatewayConfig,
  parseGatewayConfigYaml,
} from './config/gateway-config.js';
export type { Gateway, StartGatewayOptions } from './gateway.js';
export { startGateway } from './gateway.js';
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
export type {
  FailMode,
  RedisRateLimitStore,
  RedisRateLimitStoreOptions,
} from './limits/redis-rate-limit-store.js';
export { createRedisRateLimitStore } from './limits/redis-rate-limit-store.js';
export type {
  BudgetPeriod,
  BudgetReservation,
  RedisUsageBudgetStoreOptions,
  UsageBudgetStore,
} from './limits/usage-budget.js';
export {
  BUDGET_PERIOD_MS,
  createMemoryUsageBudgetStore,
  createRedisUsageBudgetStore,
} from './limits/usage-budget.js';
export type {
  ChatCompletionsDependencies,
  ChatDialect,
  ResolvedRoute,
} from './openai/chat-completions-route.js';
export {
  handleChat,
  handleChatCompletions,
  openAIChatDialect,
  providerFailure,
} from './openai/chat-completions-route.js';
export type { FromWireRequestOptions } from './openai/chat-wire.js';
export {
  chatCompletionRequestSchema,
  fromWireRequest,
  toWireCompletion,
  toWireFinishReason,
  toWireUsage,
  WireChunkEncoder,
  WireError,
} from './openai/chat-wire.js';
export {
  embeddingsRequestSchema,
  fromEmbeddingsRequest,
  toEmbeddingsResponse,
} from './openai/embeddings-wire.js';
export type { GatewayRedisClient, GatewayRedisConnection } from './redis-connection.js';
export { openRedisConnection, parseClusterNodes } from './redis-connection.js';
export type { CacheInvalidation } from './response-cache-admin.js';
export {
  DEFAULT_RESERVED_OUTPUT_TOKENS,
  estimateChatTokens,
  estimateEmbeddingTokens,
} from './token-estimate.js';
