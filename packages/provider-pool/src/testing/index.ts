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
export { createLoopbackServer, loopbackEmbedding } from './loopback-server.js';
