export { httpStatusError, parseRetryAfter, toVictorError } from './http-errors.js';
export { decodeChatResponse, decodeUsage } from './openai-compatible/decode-response.js';
export { OpenAIStreamDecoder } from './openai-compatible/decode-stream.js';
export { mapFinishReason } from './openai-compatible/finish-reason.js';
export type { OpenAICompatibleProviderOptions } from './openai-compatible/provider.js';
export { createOpenAICompatibleProvider, OpenAICompatibleProvider } from './openai-compatible/provider.js';
export { buildChatBody } from './openai-compatible/request-body.js';
export type { SseEvent } from './sse-decoder.js';
export { SseDecoder } from './sse-decoder.js';
