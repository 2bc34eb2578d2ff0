// The loopback server in its own process, so that it does not share the event loop with what is measured
// (provider-pool's bench and ai-sdk's bench both start it).
// Prints {"url","baseURL"} on its first stdout line; answers "count" on stdin with {"requests"}; exits when
// stdin closes.
import { createInterface } from 'node:readline';
import { createLoopbackServer } from '../dist/testing.js';

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
