import type { Message, Provider } from '@victor-ai/core';
import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import { Pool } from 'undici';
import { agentEquivalentBodies, agentTurns, createBenchAgent } from './agent-fixture.js';
import {
  createAiSdkAgentClient,
  createAiSdkClient,
  createLangChainClient,
  createOpenAIClient,
} from './peer-clients.js';
import { EXPECTED_PREFIX } from './reply.js';

/** One measured client: a non-streaming call and a streaming call that reports its time to first token. */
export interface BenchClient {
  /** Runs one non-streaming request; throws when the answer is wrong. */
  chat(): Promise<void>;
  /** Runs one streaming request to its end; returns milliseconds to the first text and to the end. */
  stream(): Promise<StreamTiming>;
  close(): Promise<void>;
}

/** Milliseconds from the start of a streaming request to its first text and to its end. */
export interface StreamTiming {
  ttftMs: number;
  totalMs: number;
}

/** The request every client sends: the same model and messages. */
export const MESSAGES: Message[] = [
  { role: 'system', content: 'You are a concise assistant.' },
  { role: 'user', content: 'Say something about foxes.' },
];
const MODEL = 'loopback-1';

/** The kinds of client the benchmark runs, each in its own process. */
export type ClientKind =
  | 'raw'
  | 'provider'
  | 'raw-agent'
  | 'agent'
  | 'openai'
  | 'ai-sdk'
  | 'langchain'
  | 'ai-sdk-agent';

/**
 * Raw baseline: a plain undici Pool request, body read and JSON-parsed (streams read to [DONE]).
 * `raw` sends the bare messages; `raw-agent` sends the exact bytes the agent sends (built once).
 */
export async function createRawClient(
  url: string,
  connections: number,
  agentBody = false,
): Promise<BenchClient> {
  const pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = { 'content-type': 'application/json' };
  const turns = agentBody ? agentTurns() : [];
  const chatBodies = agentBody
    ? await agentEquivalentBodies(turns, false)
    : [JSON.stringify({ model: MODEL, messages: MESSAGES })];
  const streamBodies = agentBody
    ? await agentEquivalentBodies(turns, true)
    : [
        JSON.stringify({
          model: MODEL,
          messages: MESSAGES,
          stream: true,
          stream_options: { include_usage: true },
        }),
      ];
  let chatIndex = 0;
  let streamIndex = 0;
  return {
    async chat() {
      const response = await pool.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers,
        body: chatBodies[chatIndex++ % chatBodies.length]!,
      });
      const json = (await response.body.json()) as { choices: Array<{ message: { content: string } }> };
      if (!json.choices[0]!.message.content.startsWith(EXPECTED_PREFIX))
        throw new Error('raw client: wrong answer');
    },
    async stream() {
      const started = performance.now();
      const response = await pool.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers,
        body: streamBodies[streamIndex++ % streamBodies.length]!,
      });
      let first = -1;
      let text = '';
      for await (const chunk of response.body) {
        text += (chunk as Buffer).toString('utf8');
        if (first < 0 && text.includes('"content":"T')) first = performance.now() - started;
      }
      if (first < 0 || !text.includes('[DONE]')) throw new Error('raw client: incomplete stream');
      return { ttftMs: first, totalMs: performance.now() - started };
    },
    close: () => pool.close(),
  };
}

/** The stack: the provider-pool's OpenAI-compatible provider. */
export function createProviderClient(baseURL: string, connections: number): BenchClient {
  const provider: Provider = createOpenAICompatibleProvider({ baseURL, connections });
  return {
    async chat() {
      const response = await provider.chat({ model: MODEL, messages: MESSAGES });
      if (!response.text.startsWith(EXPECTED_PREFIX)) throw new Error('provider client: wrong answer');
    },
    async stream() {
      const started = performance.now();
      let first = -1;
      let finished = false;
      for await (const event of provider.stream({ model: MODEL, messages: MESSAGES })) {
        if (event.type === 'text-delta' && first < 0) first = performance.now() - started;
        else if (event.type === 'finish') finished = true;
        else if (event.type === 'error') throw event.error;
      }
      if (first < 0 || !finished) throw new Error('provider client: incomplete stream');
      return { ttftMs: first, totalMs: performance.now() - started };
    },
    close: () => provider.close(),
  };
}

/** The whole stack: an agent turn with 55 tools, selection on, three middlewares, cache off. */
export function createAgentClient(baseURL: string, connections: number): BenchClient {
  const agent = createBenchAgent(baseURL, connections);
  const turns = agentTurns();
  let chatIndex = 0;
  let streamIndex = 0;
  return {
    async chat() {
      const result = await agent.chat(turns[chatIndex++ % turns.length]!);
      if (!result.text.startsWith(EXPECTED_PREFIX) || result.selectedTools.length === 0)
        throw new Error('agent client: wrong turn');
    },
    async stream() {
      const started = performance.now();
      let first = -1;
      let finished = false;
      for await (const event of agent.stream(turns[streamIndex++ % turns.length]!)) {
        if (event.type === 'text-delta' && first < 0) first = performance.now() - started;
        else if (event.type === 'turn-finish') finished = true;
        else if (event.type === 'error') throw event.error;
      }
      if (first < 0 || !finished) throw new Error('agent client: incomplete stream');
      return { ttftMs: first, totalMs: performance.now() - started };
    },
    close: () => agent.close(),
  };
}

/** Creates a client of the given kind. */
export function createClient(
  kind: ClientKind,
  url: string,
  baseURL: string,
  connections: number,
): Promise<BenchClient> {
  switch (kind) {
    case 'raw':
      return createRawClient(url, connections);
    case 'raw-agent':
      return createRawClient(url, connections, true);
    case 'provider':
      return Promise.resolve(createProviderClient(baseURL, connections));
    case 'agent':
      return Promise.resolve(createAgentClient(baseURL, connections));
    case 'openai':
      return Promise.resolve(createOpenAIClient(baseURL));
    case 'ai-sdk':
      return Promise.resolve(createAiSdkClient(baseURL));
    case 'langchain':
      return Promise.resolve(createLangChainClient(baseURL));
    case 'ai-sdk-agent':
      return Promise.resolve(createAiSdkAgentClient(baseURL));
  }
}
