// Child process: runs the loopback provider away from the measured processes. Reads its options as JSON
// from argv[2], prints `{"url": ...}` once listening, answers `stats` messages over IPC, stops on `close`.
import { createLoopbackServer, type LoopbackServerOptions } from '@victor-ai/provider-pool/testing';
import { REPLY_TEXT } from './reply.js';

const options = JSON.parse(process.argv[2] ?? '{}') as LoopbackServerOptions & {
  replyText?: string;
  toolCalls?: unknown;
};
const replyText = options.replyText ?? REPLY_TEXT;
const server = await createLoopbackServer({
  ...options,
  recordRequests: 0,
  reply: () => ({ text: replyText, chunkSize: 24, usage: { inputTokens: 40, outputTokens: 90 } }),
});
process.on('message', (message: { type: string; timing?: Parameters<typeof server.configure>[0] }) => {
  if (message.type === 'stats') {
    process.send?.({
      type: 'stats',
      requestCount: server.requestCount,
      connectionCount: server.connectionCount,
    });
  } else if (message.type === 'configure' && message.timing) {
    server.configure(message.timing);
    process.send?.({ type: 'configured' });
  } else if (message.type === 'close') {
    void server.close().then(() => process.exit(0));
  }
});
process.send?.({ type: 'ready', url: server.url, baseURL: server.baseURL });
