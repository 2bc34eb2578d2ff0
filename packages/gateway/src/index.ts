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
export { GATEWAY_USAGE, type GatewayCliIO, runGatewayCli } from './cli.js';
export {
  type EndpointConfig,
  formatConfigPath,
  type GatewayConfig,
  gatewayConfigSchema,
  isYamlConfigFile,
  type KeyConfig,
  loadGatewayConfig,
  parseGatewayConfig,
  parseGatewayConfigYaml,
  type RouteConfig,
} from './config/gateway-config.js';
export { type Gateway, type StartGatewayOptions, startGateway } from './gateway.js';
export {
  type CorsOptions,
  type HardenedServer,
  type HardenedServerOptions,
  type HttpServerLimits,
  openAIErrorBody,
  type RequestContext,
  type ResolvedHttpLimits,
  resolveHttpLimits,
  sendHttpError,
  startHardenedServer,
} from './http/hardened-server.js';
export { HttpError, type HttpErrorOptions, type HttpErrorReason } from './http/http-error.js';
export {
  DEFAULT_MAX_JSON_DEPTH,
  jsonNestingDepth,
  type ParseJsonOptions,
  parseJson,
} from './http/parse-json.js';
export { DEFAULT_MAX_BODY_BYTES, type ReadBodyOptions, readBody } from './http/read-body.js';
export {
  createHostCheck,
  defaultAllowedHosts,
  hostNameOf,
  isJsonContentType,
} from './http/request-checks.js';
export {
  createRedisRateLimitStore,
  type FailMode,
  type RedisRateLimitStore,
  type RedisRateLimitStoreOptions,
} from './limits/redis-rate-limit-store.js';
export {
  BUDGET_PERIOD_MS,
  type BudgetPeriod,
  type BudgetReservation,
  createMemoryUsageBudgetStore,
  createRedisUsageBudgetStore,
  type RedisUsageBudgetStoreOptions,
  type UsageBudgetStore,
} from './limits/usage-budget.js';
export {
  type ChatCompletionsDependencies,
  type ChatDialect,
  handleChat,
  handleChatCompletions,
  openAIChatDialect,
  providerFailure,
  type ResolvedRoute,
} from './openai/chat-completions-route.js';
export {
  chatCompletionRequestSchema,
  type FromWireRequestOptions,
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
export {
  type GatewayRedisClient,
  type GatewayRedisConnection,
  openRedisConnection,
  parseClusterNodes,
} from './redis-connection.js';
export type { CacheInvalidation } from './response-cache-admin.js';
export {
  DEFAULT_RESERVED_OUTPUT_TOKENS,
  estimateChatTokens,
  estimateEmbeddingTokens,
} from './token-estimate.js';
