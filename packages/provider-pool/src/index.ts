export { decodeAnthropicUsage, decodeMessagesResponse } from './anthropic/decode-response.js';
export { AnthropicStreamDecoder } from './anthropic/decode-stream.js';
export {
  AnthropicProvider,
  type AnthropicProviderOptions,
  createAnthropicProvider,
} from './anthropic/provider.js';
export {
  type AnthropicCacheControl,
  buildMessagesBody,
  PrefixStability,
  placeCacheBreakpoints,
} from './anthropic/request-body.js';
export { mapStopReason } from './anthropic/stop-reason.js';
export {
  CIRCUIT_STATE_METRIC,
  CIRCUIT_TRANSITIONS_METRIC,
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from './circuit-breaker.js';
export { createEmbedder, type EmbeddingSource } from './embedder.js';
export { httpStatusError, parseRetryAfter, streamError, toVictorError } from './http-errors.js';
export {
  CONNECTIONS_OPENED,
  HttpProvider,
  type HttpProviderOptions,
  type StreamDecoder,
} from './http-provider.js';
export { InFlightLimiter, type InFlightLimiterOptions } from './limiter.js';
export { contentText, decodeChatResponse, decodeUsage } from './openai-compatible/decode-response.js';
export { OpenAIStreamDecoder } from './openai-compatible/decode-stream.js';
export { buildEmbeddingsBody, decodeEmbeddings } from './openai-compatible/embeddings.js';
export { mapFinishReason } from './openai-compatible/finish-reason.js';
export {
  createOpenAICompatibleProvider,
  OpenAICompatibleProvider,
  type OpenAICompatibleProviderOptions,
} from './openai-compatible/provider.js';
export { buildChatBody, promptCacheKeyOf } from './openai-compatible/request-body.js';
export {
  decodeResponsesResponse,
  decodeResponsesUsage,
} from './openai-responses/decode-response.js';
export { ResponsesStreamDecoder } from './openai-responses/decode-stream.js';
export {
  createOpenAIResponsesProvider,
  OpenAIResponsesProvider,
  type OpenAIResponsesProviderOptions,
} from './openai-responses/provider.js';
export {
  buildResponsesBody,
  RESPONSES_PROVIDER,
  type ResponsesRequestOptions,
} from './openai-responses/request-body.js';
export {
  createProviderPool,
  type PoolEndpoint,
  type PoolEndpointStats,
  ProviderPool,
  type ProviderPoolOptions,
  RETRIES_METRIC,
} from './provider-pool.js';
export {
  type BackoffOptions,
  backoffDelay,
  isRetryableError,
  type ResolvedBackoff,
  resolveBackoff,
} from './retry.js';
export {
  countsAgainstEndpoint,
  type FailedAttempt,
  RetryPolicy,
  type RetryPolicyOptions,
} from './retry-policy.js';
export { SseDecoder, type SseEvent } from './sse-decoder.js';
