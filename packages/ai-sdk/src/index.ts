export { fromAISDKError, toAPICallError } from './errors.js';
export {
  type FromAISDKEmbeddingModelOptions,
  fromAISDKEmbeddingModel,
} from './from-ai-sdk-embedding-model.js';
export { type FromAISDKModelOptions, fromAISDKModel, toCallOptions } from './from-ai-sdk-model.js';
export { fromLanguageModelPrompt, toLanguageModelPrompt } from './prompt.js';
export { StreamPartDecoder, StreamPartEncoder } from './stream-parts.js';
export {
  type AISDKToolSet,
  type FromAISDKToolsOptions,
  fromAISDKTools,
  type ToAISDKToolsOptions,
  type ToolChainLike,
  toAISDKTools,
} from './tools.js';
export {
  fromLanguageModelFinishReason,
  fromLanguageModelUsage,
  toLanguageModelFinishReason,
  toLanguageModelUsage,
} from './usage.js';
export { createVictorEmbeddingModel, type VictorEmbeddingModelOptions } from './victor-embedding-model.js';
export {
  createVictorLanguageModel,
  type ResponseCacheLike,
  toChatRequest,
  type VictorLanguageModelOptions,
} from './victor-language-model.js';
