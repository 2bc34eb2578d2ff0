import type { MetricsSink, Provider } from '@victor-ai/core';
import {
  createAnthropicProvider,
  createOpenAICompatibleProvider,
  createOpenAIResponsesProvider,
  createProviderPool,
} from '@victor-ai/provider-pool';
import {
  createLoopbackServer,
  type LoopbackReply,
  type LoopbackRequest,
} from '@victor-ai/provider-pool/testing';
import type { ModelConfig } from './config.js';

/** The model a command talks to: a provider pool over one endpoint, and how to describe and close it. */
export interface OpenedModel {
  provider: Provider;
  model: string;
  offline: boolean;
  /** One line saying where the model is (for the terminal). */
  description: string;
  close(): Promise<void>;
}

/** Options of `openModel`. */
export interface OpenModelOptions {
  /** The offline model's answers (a loopback `reply` function). */
  reply: (request: LoopbackRequest) => LoopbackReply | undefined;
  /** Offline timing: delay before the first streamed chunk, and between chunks; default 40 ms and 5 ms. */
  ttftMs?: number;
  chunkGapMs?: number;
  metrics?: MetricsSink;
}

/**
 * Opens the configured model behind a provider pool (retries, circuit breaker, connection metrics). Offline
 * it starts the loopback server from `@victor-ai/provider-pool/testing` with `options.reply` as its model.
 */
export async function openModel(config: ModelConfig, options: OpenModelOptions): Promise<OpenedModel> {
  const metrics = options.metrics;
  const pool = (provider: Provider, name: string): Provider =>
    createProviderPool({
      endpoints: [{ provider, name }],
      maxAttempts: 2,
      ...(metrics ? { metrics } : {}),
    });
  if (config.kind === 'remote') {
    const settings = {
      baseURL: config.baseURL,
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
      ...(metrics ? { metrics } : {}),
    };
    const endpoint =
      config.api === 'responses'
        ? createOpenAIResponsesProvider(settings)
        : createOpenAICompatibleProvider(settings);
    const provider = pool(endpoint, 'remote');
    return {
      provider,
      model: config.model,
      offline: false,
      description: `model: ${config.model} at ${config.baseURL} (${config.api === 'responses' ? 'OpenAI Responses' : 'OpenAI-compatible'})`,
      close: () => provider.close(),
    };
  }
  if (config.kind === 'anthropic') {
    const endpoint = createAnthropicProvider({
      apiKey: config.apiKey,
      ...(config.baseURL ? { baseURL: config.baseURL } : {}),
      ...(metrics ? { metrics } : {}),
    });
    const provider = pool(endpoint, 'anthropic');
    return {
      provider,
      model: config.model,
      offline: false,
      description: `model: ${config.model} at ${config.baseURL ?? 'https://api.anthropic.com/v1'} (Anthropic)`,
      close: () => provider.close(),
    };
  }
  const server = await createLoopbackServer({
    ttftMs: options.ttftMs ?? 40,
    chunkGapMs: options.chunkGapMs ?? 5,
    // Bill repeated prompt prefixes as the real APIs do, so the session table shows a cached-token share.
    promptCache: true,
    // The offline scripts read Chat Completions messages; a Responses request's `input` is shown to them so.
    reply:
      config.api === 'responses'
        ? (request) =>
            options.reply({
              ...request,
              body: { ...request.body, messages: chatMessagesOf(request.body.input) },
            })
        : options.reply,
  });
  const loopbackSettings = { baseURL: server.baseURL, ...(metrics ? { metrics } : {}) };
  const endpoint =
    config.api === 'responses'
      ? createOpenAIResponsesProvider(loopbackSettings)
      : createOpenAICompatibleProvider(loopbackSettings);
  const provider = pool(endpoint, 'loopback');
  return {
    provider,
    model: 'loopback-1',
    offline: true,
    description:
      `offline: no model configured, so the model is Victor's loopback model (scripted) at ${server.baseURL}\n` +
      '         set VICTOR_BASE_URL + VICTOR_MODEL (+ VICTOR_API_KEY), or ANTHROPIC_API_KEY + VICTOR_MODEL, for a real model',
    async close() {
      await provider.close();
      await server.close();
    },
  };
}

/** A Responses `input` as Chat Completions messages (roles, text, tool calls and results), for the offline scripts. */
function chatMessagesOf(input: unknown): unknown[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input)) return [];
  const messages: Array<Record<string, unknown>> = [];
  for (const item of input as Array<Record<string, unknown>>) {
    if (item.type === 'function_call') {
      const call = {
        id: item.call_id,
        type: 'function',
        function: { name: item.name, arguments: item.arguments },
      };
      const last = messages[messages.length - 1];
      if (last?.role === 'assistant' && Array.isArray(last.tool_calls)) last.tool_calls.push(call);
      else if (last?.role === 'assistant') last.tool_calls = [call];
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (item.type === 'function_call_output') {
      messages.push({ role: 'tool', tool_call_id: item.call_id, content: item.output });
    } else if (typeof item.role === 'string') {
      messages.push({ role: item.role, content: item.content });
    }
  }
  return messages;
}
