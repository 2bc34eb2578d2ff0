export { fromAISDKError, toAPICallError } from './errors.js';
export type { FromAISDKEmbeddingModelOptions } from './from-ai-sdk-embedding-model.js';
export { fromAISDKEmbeddingModel } from './from-ai-sdk-embedding-model.js';
export type { FromAISDKModelOptions } from './from-ai-sdk-model.js';
export { fromAISDKModel, toCallOptions } from './from-ai-sdk-model.js';
export { fromLanguageModelPrompt, toLanguageModelPrompt } from './prompt.js';
export { StreamPartDecoder, StreamPartEncoder } from './stream-parts.js';
export type { AISDKToolSet, FromAISDKToolsOptions, ToAISDKToolsOptions, ToolChainLike } from './tools.js';
export { fromAISDKTools, toAISDKTools } from './tools.js';
export {
  fromLanguageModelFinishReason,
  fromLanguageModelUsage,
  toLanguageModelFinishReason,
  toLanguageModelUsage,
} from './usage.js';
export type { VictorEmbeddingModelOptions } from './victor-embedding-model.js';
export { createVictorEmbeddingModel } from './victor-embedding-model.js';
export type { ResponseCacheLike, VictorLanguageModelOptions } from './victor-language-model.js';
export { createVictorLanguageModel, toChatRequest } from './victor-language-model.js';
