export { decodeAnthropicUsage, decodeMessagesResponse } from './anthropic/decode-response.js';
export { AnthropicStreamDecoder } from './anthropic/decode-stream.js';
export type { AnthropicProviderOptions } from './anthropic/provider.js';
export { AnthropicProvider, createAnthropicProvider } from './anthropic/provider.js';
export { buildMessagesBody } from './anthropic/request-body.js';
export { mapStopReason } from './anthropic/stop-reason.js';
export type { CircuitBreakerOptions, CircuitState } from './circuit-breaker.js';
export { CIRCUIT_STATE_METRIC, CIRCUIT_TRANSITIONS_METRIC, CircuitBreaker } from './circuit-breaker.js';
export type { EmbeddingSource } from './embedder.js';
export { createEmbedder } from './embedder.js';
export { httpStatusError, parseRetryAfter, streamError, toVictorError } from './http-errors.js';
export type { HttpProviderOptions, StreamDecoder } from './http-provider.js';
export { CONNECTIONS_OPENED, HttpProvider } from './http-provider.js';
export type { InFlightLimiterOptions } from './limiter.js';
export { InFlightLimiter } from './limiter.js';
export { contentText, decodeChatResponse, decodeUsage } from './openai-compatible/decode-response.js';
export { OpenAIStreamDecoder } from './openai-compatible/decode-stream.js';
export { buildEmbeddingsBody, decodeEmbeddings } from './openai-compatible/embeddings.js';
export { mapFinishReason } from './openai-compatible/finish-reason.js';
export type { OpenAICompatibleProviderOptions } from './openai-compatible/provider.js';
export { createOpenAICompatibleProvider, OpenAICompatibleProvider } from './openai-compatible/provider.js';
export { buildChatBody } from './openai-compatible/request-body.js';
export {
  decodeResponsesResponse,
  decodeResponsesUsage,
} from './openai-responses/decode-response.js';
export { ResponsesStreamDecoder } from './openai-responses/decode-stream.js';
export type { OpenAIResponsesProviderOptions } from './openai-responses/provider.js';
export { createOpenAIResponsesProvider, OpenAIResponsesProvider } from './openai-responses/provider.js';
export type { ResponsesRequestOptions } from './openai-responses/request-body.js';
export { buildResponsesBody, RESPONSES_PROVIDER } from './openai-responses/request-body.js';
export type { PoolEndpoint, PoolEndpointStats, ProviderPoolOptions } from './provider-pool.js';
export { createProviderPool, ProviderPool, RETRIES_METRIC } from './provider-pool.js';
export type { BackoffOptions, ResolvedBackoff } from './retry.js';
export { backoffDelay, isRetryableError, resolveBackoff } from './retry.js';
export type { FailedAttempt, RetryPolicyOptions } from './retry-policy.js';
export { countsAgainstEndpoint, RetryPolicy } from './retry-policy.js';
export type { SseEvent } from './sse-decoder.js';
export { SseDecoder } from './sse-decoder.js';
