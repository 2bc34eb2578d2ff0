// The OpenAI wire format lives in @victor-ai/gateway, shared by serve mode and the gateway.
export {
  chatCompletionRequestSchema,
  type FromWireRequestOptions,
  fromWireRequest,
  toWireCompletion,
  toWireFinishReason,
  toWireUsage,
  WireChunkEncoder,
  WireError,
} from '@victor-ai/gateway';
