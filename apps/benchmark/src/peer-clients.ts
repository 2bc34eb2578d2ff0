// The peers the benchmark measures beside Victor, each doing the same unary and streaming call against the
// same loopback server (devDependencies of this app only): the openai SDK, the AI SDK through
// @ai-sdk/openai-compatible, LangChain's ChatOpenAI, and the AI SDK's generateText/streamText with the same
// 55 tools as Victor's agent (no tool is called: the loopback model answers with text).
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, jsonSchema, streamText, type Tool, tool } from 'ai';
import OpenAI from 'openai';
import { AGENT_SYSTEM_PROMPT, agentTurns, benchTools, MODEL } from './agent-fixture.js';
import type { BenchClient, StreamTiming } from './clients.js';
import { MESSAGES } from './clients.js';
import { EXPECTED_PREFIX } from './reply.js';

function check(name: string, text: string | undefined): void {
  if (!text?.startsWith(EXPECTED_PREFIX))
    throw new Error(`${name} client: wrong answer ${JSON.stringify(text)}`);
}

/** Times a stream of chunks: `isText` tells whether a chunk carries answer text. */
async function timeStream<T>(
  name: string,
  chunks: AsyncIterable<T>,
  isText: (chunk: T) => boolean,
  started: number,
): Promise<StreamTiming> {
  let first = -1;
  let count = 0;
  for await (const chunk of chunks) {
    count++;
    if (first < 0 && isText(chunk)) first = performance.now() - started;
  }
  if (first < 0 || count === 0) throw new Error(`${name} client: incomplete stream`);
  return { ttftMs: first, totalMs: performance.now() - started };
}

/** The official openai SDK: chat.completions.create, unary and streamed. */
export function createOpenAIClient(baseURL: string): BenchClient {
  const client = new OpenAI({ baseURL, apiKey: 'loopback', maxRetries: 0 });
  const messages = MESSAGES.map((m) => ({ role: m.role, content: m.content })) as Array<{
    role: 'system' | 'user';
    content: string;
  }>;
  return {
    async chat() {
      const completion = await client.chat.completions.create({ model: MODEL, messages });
      check('openai', completion.choices[0]?.message.content ?? undefined);
    },
    async stream() {
      const started = performance.now();
      const stream = await client.chat.completions.create({
        model: MODEL,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      return timeStream('openai', stream, (chunk) => Boolean(chunk.choices[0]?.delta?.content), started);
    },
    close: async () => {},
  };
}

/** The AI SDK: generateText / streamText over @ai-sdk/openai-compatible. */
export function createAiSdkClient(baseURL: string): BenchClient {
  const model = createOpenAICompatible({ name: 'loopback', baseURL, includeUsage: true }).chatModel(MODEL);
  const system = MESSAGES[0]!.content as string;
  const prompt = MESSAGES[1]!.content as string;
  return {
    async chat() {
      check('aiSdk', (await generateText({ model, system, prompt, maxRetries: 0 })).text);
    },
    async stream() {
      const started = performance.now();
      const result = streamText({ model, system, prompt, maxRetries: 0 });
      return timeStream('aiSdk', result.fullStream, (part) => part.type === 'text-delta', started);
    },
    close: async () => {},
  };
}

/** LangChain.js: ChatOpenAI.invoke / .stream against the loopback server. */
export function createLangChainClient(baseURL: string): BenchClient {
  const model = new ChatOpenAI({
    model: MODEL,
    apiKey: 'loopback',
    maxRetries: 0,
    configuration: { baseURL },
  });
  const messages = MESSAGES.map((m) => [m.role, m.content as string] as [string, string]);
  return {
    async chat() {
      const message = await model.invoke(messages);
      check('langchain', typeof message.content === 'string' ? message.content : undefined);
    },
    async stream() {
      const started = performance.now();
      const stream = await model.stream(messages);
      return timeStream(
        'langchain',
        stream,
        (chunk) => typeof chunk.content === 'string' && chunk.content.length > 0,
        started,
      );
    },
    close: async () => {},
  };
}

/**
 * The AI SDK as an agent framework: generateText / streamText with the same 55 tools as Victor's agent
 * (every tool sent on every turn: the AI SDK has no tool selection), the same system prompt and turns.
 */
export function createAiSdkAgentClient(baseURL: string): BenchClient {
  const model = createOpenAICompatible({ name: 'loopback', baseURL, includeUsage: true }).chatModel(MODEL);
  const tools: Record<string, Tool> = {};
  for (const benchTool of benchTools()) {
    const { name, description, parameters } = benchTool.definition;
    tools[name] = tool({
      description,
      inputSchema: jsonSchema(parameters as Parameters<typeof jsonSchema>[0]),
      execute: async () => name,
    });
  }
  const turns = agentTurns().map((turn) => turn[0]!.content as string);
  let chatIndex = 0;
  let streamIndex = 0;
  return {
    async chat() {
      const prompt = turns[chatIndex++ % turns.length]!;
      const result = await generateText({ model, system: AGENT_SYSTEM_PROMPT, prompt, tools, maxRetries: 0 });
      check('aiSdkAgent', result.text);
    },
    async stream() {
      const prompt = turns[streamIndex++ % turns.length]!;
      const started = performance.now();
      const result = streamText({ model, system: AGENT_SYSTEM_PROMPT, prompt, tools, maxRetries: 0 });
      return timeStream('aiSdkAgent', result.fullStream, (part) => part.type === 'text-delta', started);
    },
    close: async () => {},
  };
}

/** Why the OpenAI Agents SDK is not measured. */
export const OPENAI_AGENTS_SKIPPED =
  '@openai/agents 0.20 (its agents-core) requires Node >= 22 and openai 7; this project runs on Node 20';
