import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { MemoryCache, ToolResultCache } from '@victor-ai/cache';
import { ToolCoordinator } from '@victor-ai/coordinators';
import type { ToolCall, ToolDefinition } from '@victor-ai/core';
import { connectMcpServers, createMcpServer } from '@victor-ai/mcp';
import {
  createAuditMiddleware,
  createSafetyMiddleware,
  createToolMiddlewareChain,
  createValidationMiddleware,
} from '@victor-ai/middleware';
import { seededRandom } from '@victor-ai/provider-pool/testing';
import { ToolSelector } from '@victor-ai/tool-selection';
import { percentile, round, sorted } from './stats.js';

const ECHO_SERVER = join(fileURLToPath(new URL('.', import.meta.url)), 'mcp-echo-server.js');

const VERBS = ['get', 'list', 'create', 'update', 'delete', 'search', 'send', 'cancel', 'book', 'check'];
const NOUNS = (
  'account invoice ticket order payment customer report file folder message calendar event user team ' +
  'project task issue release deploy server cluster volume backup policy contract shipment product price ' +
  'review survey video photo playlist song meeting flight hotel trip weather forecast stock wallet token'
).split(' ');

/** `count` tools with names and descriptions from a seeded generator (the same tools every run). */
function generatedTools(count: number): ToolDefinition[] {
  const next = seededRandom(3);
  const pick = (list: readonly string[]) => list[Math.floor(next() * list.length)]!;
  return Array.from({ length: count }, (_, index) => {
    const verb = pick(VERBS);
    const noun = pick(NOUNS);
    return {
      name: `${verb}_${noun}_${index}`,
      description: `${verb} the ${noun} of a ${pick(NOUNS)}, with its ${pick(NOUNS)} and ${pick(NOUNS)} details.`,
      parameters: { type: 'object', properties: { [`${noun}_id`]: { type: 'string' } } },
    };
  });
}

const p50 = (samples: number[]) => percentile(sorted(samples), 50);
const p99 = (samples: number[]) => percentile(sorted(samples), 99);

/** An in-process MCP server (SDK, low level) listing `tools`, for the registration measurement. */
async function inMemoryServer(tools: readonly ToolDefinition[]) {
  const server = new Server({ name: 'bench-many', version: '1.0.0' }, { capabilities: { tools: {} } });
  const listed = tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    inputSchema: tool.parameters as { type: 'object' },
    annotations: { readOnlyHint: true },
  }));
  server.setRequestHandler(ListToolsRequestSchema, (request) => {
    // 500 tools a page, as a large server would paginate.
    const start = Number(request.params?.cursor ?? 0);
    const next = start + 500;
    return {
      tools: listed.slice(start, next),
      ...(next < listed.length ? { nextCursor: String(next) } : {}),
    };
  });
  server.setRequestHandler(CallToolRequestSchema, () => ({ content: [{ type: 'text', text: 'ok' }] }));
  return server;
}

/**
 * The `mcp` scenario. In this one process, against the same local stdio MCP server program (an SDK
 * `echo` server, over one stdio connection):
 * - `callP50Us`: a call through the agent's tool path (registry lookup, `ToolCoordinator` with safety +
 *   validation + audit middleware, the tool-result cache missing, `@victor-ai/mcp`'s tool) against
 *   `rawCallP50Us`, the bare SDK `Client.callTool` on the same connection, interleaved call by call; `addedP50Us` is the difference;
 * - `register5000Ms`: connecting to four in-process SDK servers with 1,250 tools each (paginated), listing,
 *   naming and registering the 5,000 tools, and the first selection over them (the lexical index built);
 * - `searchP50Us`: `search_tools` (top 5, distinct queries, selection cache off) over those 5,000 tools,
 *   in process; `searchRoundTripP50Us` is the same through an SDK client over an in-memory transport.
 */
export async function mcpScenario(quick: boolean) {
  // Call latency: agent path vs bare SDK client.
  const source = await connectMcpServers([{ name: 'bench', command: process.execPath, args: [ECHO_SERVER] }]);
  // The bare SDK client of the same connection: the same server process answers both paths.
  const raw = source.client('bench');
  if (raw === undefined) throw new Error('the echo server did not connect');
  const registry = source.registry;
  const coordinator = new ToolCoordinator({
    lookup: (name) => registry.get(name)?.tool,
    chain: createToolMiddlewareChain([
      createSafetyMiddleware({ workspaceRoot: process.cwd() }),
      createValidationMiddleware(),
      createAuditMiddleware({ log: () => undefined }),
      ...source.middleware,
    ]),
    resultCache: new ToolResultCache({ cache: new MemoryCache({ name: 'bench-mcp', maxEntries: 100 }) }),
  });
  const callAgent = async (text: string) => {
    const call: ToolCall = { id: text, name: 'bench__echo', arguments: { text } };
    const [result] = await coordinator.run([call]);
    if (!result?.ok || result.output !== text)
      throw new Error(`agent path: wrong result ${JSON.stringify(result)}`);
    if (result.cached) throw new Error('agent path: a cache hit where every call must miss');
  };
  const callRaw = async (text: string) => {
    const result = await raw.callTool({ name: 'echo', arguments: { text } });
    const answer = (result.content as Array<{ text?: string }>)[0]?.text;
    if (answer !== text) throw new Error(`raw: wrong result ${JSON.stringify(answer)}`);
  };
  // The package's tool alone (no coordinator, middleware or cache), to tell its share from the agent path's.
  const tool = registry.get('bench__echo')!.tool!;
  const callTool = async (text: string) => {
    if ((await tool.execute({ text }, {})) !== text) throw new Error('tool: wrong result');
  };
  const paths = { raw: callRaw, tool: callTool, agent: callAgent } as const;
  const names = ['raw', 'tool', 'agent'] as const;
  const warmup = quick ? 200 : 2000;
  const rounds = quick ? 600 : 5000;
  let counter = 0;
  for (let i = 0; i < warmup; i++) for (const name of names) await paths[name](`w${counter++}`);
  const samples = { raw: [] as number[], tool: [] as number[], agent: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    // Rotate which goes first, so none always runs right after another's pipe write.
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length]!;
      const text = `m${counter++}`;
      const started = process.hrtime.bigint();
      await paths[name](text);
      samples[name].push(Number(process.hrtime.bigint() - started) / 1_000);
    }
  }
  const agentSamples = samples.agent;
  const rawSamples = samples.raw;
  await source.close();

  // Registration of 5,000 tools from four servers, selectable.
  const all = generatedTools(5_000);
  const servers = await Promise.all(
    [0, 1, 2, 3].map((part) => inMemoryServer(all.slice(part * 1_250, (part + 1) * 1_250))),
  );
  const registerStarted = performance.now();
  const many = await connectMcpServers(
    servers.map((server, index) => ({
      name: `s${index}`,
      transport: () => {
        const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
        void server.connect(serverSide);
        return clientSide;
      },
    })),
  );
  const connectedAt = performance.now();
  const selector = new ToolSelector({ registry: many.registry, strategy: 'lexical', cacheSize: 0 });
  selector.selectSync('create the invoice for a customer', { k: 5 });
  const register5000Ms = performance.now() - registerStarted;
  if (many.registry.size !== 5_000) throw new Error(`registered ${many.registry.size} tools, not 5000`);

  // search_tools over them.
  const mcpServer = createMcpServer({ registry: many.registry, mode: 'tool-search', selector });
  const next = seededRandom(11);
  const words = all.map((tool) => tool.description.split(' '));
  const queries = Array.from({ length: 2_000 }, () => {
    const description = words[Math.floor(next() * words.length)]!;
    return `${description[0]} ${description[2]} ${description[5]} please`;
  });
  for (let i = 0; i < warmup; i++) mcpServer.searchTools(queries[i % queries.length]!, 5);
  const searchSamples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = process.hrtime.bigint();
    const hits = mcpServer.searchTools(queries[i % queries.length]!, 5);
    searchSamples.push(Number(process.hrtime.bigint() - started) / 1_000);
    if (hits.length === 0) throw new Error('search_tools found nothing');
  }
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcpServer.connect(serverSide);
  const client = new Client({ name: 'bench-search', version: '1.0.0' });
  await client.connect(clientSide);
  const roundTrips: number[] = [];
  for (let i = 0; i < (quick ? 200 : 2000); i++) {
    const started = process.hrtime.bigint();
    await client.callTool({ name: 'search_tools', arguments: { query: queries[i % queries.length]!, k: 5 } });
    roundTrips.push(Number(process.hrtime.bigint() - started) / 1_000);
  }
  await client.close();
  await mcpServer.close();
  await many.close();

  const callP50Us = p50(agentSamples);
  const rawCallP50Us = p50(rawSamples);
  return {
    callP50Us: round(callP50Us),
    rawCallP50Us: round(rawCallP50Us),
    addedP50Us: round(callP50Us - rawCallP50Us),
    callP99Us: round(p99(agentSamples)),
    // The MCP tool alone: its share of the added time; the rest is the agent path (coordinator, chain, cache).
    toolOnlyP50Us: round(p50(samples.tool)),
    toolOnlyAddedP50Us: round(p50(samples.tool) - rawCallP50Us),
    rawCallP99Us: round(p99(rawSamples)),
    register5000Ms: round(register5000Ms),
    // Its two parts: MCP (handshakes, listing, naming, registry) and the first selection (index build).
    connect5000Ms: round(connectedAt - registerStarted),
    firstSelection5000Ms: round(register5000Ms - (connectedAt - registerStarted)),
    searchP50Us: round(p50(searchSamples)),
    searchP99Us: round(p99(searchSamples)),
    searchRoundTripP50Us: round(p50(roundTrips)),
    calls: rounds,
    stack:
      'callP50Us: ToolCoordinator (safety + validation + audit + MCP approval guard, tool-result cache missing) -> @victor-ai/mcp tool -> stdio SDK echo server; rawCallP50Us: the SDK Client.callTool of the same connection; interleaved, order alternating',
  };
}
