export type {
  LoopbackFault,
  LoopbackFaultRates,
  LoopbackMessageReply,
  LoopbackRawReply,
  LoopbackReply,
  LoopbackRequest,
  LoopbackServer,
  LoopbackServerOptions,
  LoopbackToolCall,
} from './loopback-server.js';
export { createLoopbackServer, loopbackEmbedding, seededRandom } from './loopback-server.js';
export type { LoopbackCacheUsage, LoopbackPromptCacheOptions } from './prompt-cache-model.js';
export { LoopbackPromptCache } from './prompt-cache-model.js';
export type { Recording, RecordingApi, ReplayResult, ServedRecording } from './replay.js';
export { replayRecordings, responsesSegments, serveRecording } from './replay.js';
