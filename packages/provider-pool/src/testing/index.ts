export type {
  LoopbackFault,
  LoopbackMessageReply,
  LoopbackReply,
  LoopbackRequest,
  LoopbackServer,
  LoopbackServerOptions,
  LoopbackToolCall,
} from './loopback-server.js';
export { createLoopbackServer } from './loopback-server.js';
