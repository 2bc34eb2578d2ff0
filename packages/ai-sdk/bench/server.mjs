// The loopback server in its own process. Prints {"url","baseURL"} on its first stdout line; answers
// "count" on stdin with {"requests"}; exits when stdin closes.
import { createInterface } from 'node:readline';
import { createLoopbackServer } from '@victor-ai/provider-pool/testing';

const server = await createLoopbackServer({ recordRequests: 0 });
process.stdout.write(`${JSON.stringify({ url: server.url, baseURL: server.baseURL })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'count') process.stdout.write(`${JSON.stringify({ requests: server.requestCount })}\n`);
});
lines.on('close', async () => {
  await server.close();
  process.exit(0);
});
