// Same-run A/B of an MCP tool call, an older build of this package against the current one:
//   cp -r packages/mcp/dist /tmp/mcp-old && <change, build> && node packages/mcp/bench/call-ab.mjs /tmp/mcp-old
// (the old copy must sit where it can resolve this package's dependencies, e.g. a symlinked node_modules).
// Each build gets its own SDK echo server, in process over an in-memory transport (CPU cost, no pipe), and
// calls it through its tool alone and through the agent's tool path (ToolCoordinator, safety + validation +
// audit + the approval guard, the tool-result cache missing); the bare SDK Client.callTool is the baseline.
// The calls are interleaved, the order rotating; the output is the median over rounds of each round's p50
// minus the bare call's, with the range. The machine may be shared: compare only within one run.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { MemoryCache, ToolResultCache } from '@victor-ai/cache';
import { ToolCoordinator } from '@victor-ai/coordinators';
import * as middleware from '@victor-ai/middleware';

const oldDir = process.argv[2];
if (oldDir === undefined) throw new Error('usage: node bench/call-ab.mjs <directory of the old dist>');
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const PER_ROUND = Number(process.env.PER_ROUND ?? 3000);

function echoServer() {
  const server = new Server({ name: 'echo', version: '1.0.0' }, { capabilities: { tools: {} } });
  const inputSchema = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [{ name: 'echo', description: 'Echo.', inputSchema, annotations: { readOnlyHint: true } }],
  }));
  server.setRequestHandler(CallToolRequestSchema, ({ params }) => ({
    content: [{ type: 'text', text: String(params.arguments?.text) }],
  }));
  return server;
}

async function build(moduleUrl, label) {
  const { connectMcpServers } = await import(moduleUrl);
  const server = echoServer();
  const transport = () => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    void server.connect(serverSide);
    return clientSide;
  };
  const source = await connectMcpServers([{ name: 'bench', transport }]);
  const { registry } = source;
  const coordinator = new ToolCoordinator({
    lookup: (name) => registry.get(name)?.tool,
    chain: middleware.createToolMiddlewareChain([
      middleware.createSafetyMiddleware({ workspaceRoot: process.cwd() }),
      middleware.createValidationMiddleware(),
      middleware.createAuditMiddleware({ log: () => undefined }),
      ...source.middleware,
    ]),
    resultCache: new ToolResultCache({ cache: new MemoryCache({ name: label, maxEntries: 100 }) }),
  });
  const tool = registry.get('bench__echo').tool;
  const client = source.client('bench');
  return {
    source,
    raw: (text) => client.callTool({ name: 'echo', arguments: { text } }),
    tool: async (text) => {
      if ((await tool.execute({ text }, {})) !== text) throw new Error(`${label} tool: wrong answer`);
    },
    agent: async (text) => {
      const [result] = await coordinator.run([{ id: text, name: 'bench__echo', arguments: { text } }]);
      if (!result.ok || result.output !== text || result.cached) throw new Error(`${label} agent: ${result}`);
    },
  };
}

const before = await build(pathToFileURL(join(oldDir, 'index.js')).href, 'old');
const after = await build(new URL('../dist/index.js', import.meta.url).href, 'new');
const paths = {
  raw: after.raw,
  toolOld: before.tool,
  toolNew: after.tool,
  agentOld: before.agent,
  agentNew: after.agent,
};
const names = Object.keys(paths);
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
let counter = 0;
for (let i = 0; i < PER_ROUND; i++) for (const name of names) await paths[name](`w${counter++}`);
const added = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let i = 0; i < PER_ROUND; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length];
      const started = process.hrtime.bigint();
      await paths[name](`m${counter++}`);
      samples[name].push(Number(process.hrtime.bigint() - started) / 1000);
    }
  }
  const raw = median(samples.raw);
  for (const name of names) added[name].push(name === 'raw' ? raw : median(samples[name]) - raw);
}
for (const name of names) {
  const values = [...added[name]].sort((a, b) => a - b);
  const what = name === 'raw' ? 'bare SDK call p50' : `${name} over the bare call, p50`;
  console.log(
    `${what}: ${median(values).toFixed(1)} us (range ${values[0].toFixed(1)} .. ${values.at(-1).toFixed(1)})`,
  );
}
await before.source.close();
await after.source.close();
