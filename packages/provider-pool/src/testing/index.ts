export { collectEvents } from './collect-events.js';
export {
  createLoopbackServer,
  type LoopbackFault,
  type LoopbackFaultRates,
  type LoopbackMessageReply,
  type LoopbackRawReply,
  type LoopbackReply,
  type LoopbackRequest,
  type LoopbackServer,
  type LoopbackServerOptions,
  type LoopbackToolCall,
  loopbackEmbedding,
  seededRandom,
} from './loopback-server.js';
export {
  type LoopbackCacheUsage,
  LoopbackPromptCache,
  type LoopbackPromptCacheOptions,
} from './prompt-cache-model.js';
export {
  type Recording,
  type RecordingApi,
  type ReplayResult,
  replayRecordings,
  responsesSegments,
  type ServedRecording,
  serveRecording,
} from './replay.js';
