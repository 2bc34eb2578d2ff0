import type {
  JSONObject,
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  SharedV3ProviderMetadata,
  SharedV3Warning,
} from '@ai-sdk/provider';
import {
  type ChatRequest,
  type ChatResponse,
  invalidOption,
  type Message,
  type Provider,
  type RequestMetadata,
  type StreamEvent,
  type ToolChoice,
  type ToolDefinition,
} from '@victor-ai/core';
import { toAPICallError } from './errors.js';
import { fromLanguageModelPrompt, reasoningMetadata } from './prompt.js';
import { StreamPartEncoder } from './stream-parts.js';
import { toLanguageModelFinishReason, toLanguageModelUsage } from './usage.js';

/** What `createVictorLanguageModel` needs of a response cache; `ResponseCache` from `@victor-ai/cache` fits. */
export interface ResponseCacheLike {
  chat(
    request: ChatRequest,
    call: (abortSignal: AbortSignal | undefined) => Promise<ChatResponse>,
  ): Promise<{ response: ChatResponse; cached: boolean }>;
  stream(request: ChatRequest, start: () => AsyncIterable<StreamEvent>): AsyncIterable<StreamEvent>;
}

/** Options of `createVictorLanguageModel`. */
export interface VictorLanguageModelOptions {
  /** Any core `Provider`: one provider, a `ProviderPool`, or a provider wrapped in model middleware. */
  provider: Provider;
  /** The model name sent in every request. */
  model: string;
  /** The provider name the AI SDK shows in logs and telemetry; default `victor`. */
  providerName?: string;
  /** Answers of deterministic requests (temperature 0) are served from here when present. */
  responseCache?: ResponseCacheLike;
  /** Sent with every request (tenant and user scope caches and rate limits); `providerOptions.victor` adds to it. */
  metadata?: RequestMetadata;
}

const JSON_INSTRUCTION =
  'You MUST answer with a JSON object that matches the JSON schema above, and nothing else.';

function jsonInstruction(schema: unknown): string {
  return schema === undefined
    ? 'You MUST answer with JSON, and nothing else.'
    : `JSON schema:\n${JSON.stringify(schema)}\n${JSON_INSTRUCTION}`;
}

function withSystemInstruction(messages: Message[], instruction: string): Message[] {
  const first = messages[0];
  if (first?.role === 'system') {
    messages[0] = { role: 'system', content: `${first.content}\n\n${instruction}` };
    return messages;
  }
  messages.unshift({ role: 'system', content: instruction });
  return messages;
}

function toToolChoice(choice: LanguageModelV3CallOptions['toolChoice']): ToolChoice | undefined {
  if (choice === undefined) return undefined;
  return choice.type === 'tool' ? { type: 'tool', name: choice.toolName } : choice.type;
}

function requestMetadata(
  base: RequestMetadata | undefined,
  providerOptions: LanguageModelV3CallOptions['providerOptions'],
): RequestMetadata | undefined {
  const extra = providerOptions?.victor;
  if (extra === undefined) return base;
  const metadata: RequestMetadata = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    if (typeof value === 'string') metadata[key] = value;
  }
  return metadata;
}

/** Builds the Victor request of an AI SDK call, collecting warnings for what Victor cannot express. */
export function toChatRequest(
  model: string,
  options: LanguageModelV3CallOptions,
  warnings: SharedV3Warning[],
  metadata?: RequestMetadata,
): ChatRequest {
  let messages = fromLanguageModelPrompt(options.prompt, warnings);
  if (options.responseFormat?.type === 'json') {
    messages = withSystemInstruction(messages, jsonInstruction(options.responseFormat.schema));
    warnings.push({
      type: 'compatibility',
      feature: 'responseFormat',
      details: 'JSON output is requested through an instruction in the system message',
    });
  }
  const request: ChatRequest = { model, messages };
  if (options.tools !== undefined && options.tools.length > 0) {
    const tools: ToolDefinition[] = [];
    for (const tool of options.tools) {
      if (tool.type === 'function') {
        tools.push({
          name: tool.name,
          description: tool.description ?? '',
          parameters: tool.inputSchema as Record<string, unknown>,
        });
      } else {
        warnings.push({ type: 'unsupported', feature: `provider-defined tool ${tool.id}` });
      }
    }
    if (tools.length > 0) request.tools = tools;
  }
  const toolChoice = toToolChoice(options.toolChoice);
  if (toolChoice !== undefined && request.tools !== undefined) request.toolChoice = toolChoice;
  if (options.temperature !== undefined) request.temperature = options.temperature;
  if (options.topP !== undefined) request.topP = options.topP;
  if (options.maxOutputTokens !== undefined) request.maxTokens = options.maxOutputTokens;
  if (options.stopSequences !== undefined && options.stopSequences.length > 0)
    request.stop = options.stopSequences;
  if (options.seed !== undefined) request.seed = options.seed;
  if (options.topK !== undefined) warnings.push({ type: 'unsupported', feature: 'topK' });
  if (options.presencePenalty !== undefined)
    warnings.push({ type: 'unsupported', feature: 'presencePenalty' });
  if (options.frequencyPenalty !== undefined)
    warnings.push({ type: 'unsupported', feature: 'frequencyPenalty' });
  if (options.headers !== undefined) {
    const headers: Record<string, string> = {};
    let any = false;
    for (const [name, value] of Object.entries(options.headers)) {
      if (value !== undefined) {
        headers[name] = value;
        any = true;
      }
    }
    if (any) request.headers = headers;
  }
  const requestMeta = requestMetadata(metadata, options.providerOptions);
  if (requestMeta !== undefined) request.metadata = requestMeta;
  if (options.providerOptions !== undefined) {
    // Provider-specific options pass through, keyed as the AI SDK keys them; `victor` is this model's own.
    const { victor: _victor, ...providerOptions } = options.providerOptions;
    if (Object.keys(providerOptions).length > 0) request.providerOptions = providerOptions;
  }
  if (options.abortSignal !== undefined) request.abortSignal = options.abortSignal;
  return request;
}

function responseContent(response: ChatResponse): LanguageModelV3Content[] {
  const content: LanguageModelV3Content[] = [];
  for (const part of response.message.reasoning ?? []) {
    content.push({
      type: 'reasoning',
      text: part.text,
      providerMetadata: reasoningMetadata(part) as SharedV3ProviderMetadata,
    });
  }
  if (response.text !== '') content.push({ type: 'text', text: response.text });
  for (const call of response.toolCalls) {
    content.push({
      type: 'tool-call',
      toolCallId: call.id,
      toolName: call.name,
      input: JSON.stringify(call.arguments),
    });
  }
  return content;
}

/**
 * An AI SDK language model (specification v3, what `ai` 6 calls) over any Victor `Provider`, so that
 * `generateText`, `streamText`, structured output and tool loops run on Victor's undici pools, retries,
 * circuit breakers, middleware and caches. Reasoning, provider options and provider metadata pass through;
 * failures are `APICallError`s carrying Victor's error as `cause`.
 */
export function createVictorLanguageModel(options: VictorLanguageModelOptions): LanguageModelV3 {
  const { provider, model } = options ?? ({} as VictorLanguageModelOptions);
  if (typeof provider?.chat !== 'function' || typeof provider.stream !== 'function') {
    throw invalidOption('provider', 'a Victor Provider (with chat and stream)', provider);
  }
  if (typeof model !== 'string' || model === '') throw invalidOption('model', 'a non-empty string', model);
  const providerName = options.providerName ?? 'victor';
  if (typeof providerName !== 'string' || providerName === '') {
    throw invalidOption('providerName', 'a non-empty string', providerName);
  }
  const { responseCache, metadata } = options;
  if (responseCache !== undefined && typeof responseCache?.chat !== 'function') {
    throw invalidOption('responseCache', 'a ResponseCache (with chat and stream)', responseCache);
  }
  const providerMetadata: SharedV3ProviderMetadata = { victor: { provider: provider.id } };
  const cachedMetadata: SharedV3ProviderMetadata = { victor: { provider: provider.id, cached: true } };

  async function chat(request: ChatRequest): Promise<{ response: ChatResponse; cached: boolean }> {
    if (responseCache === undefined) return { response: await provider.chat(request), cached: false };
    return responseCache.chat(request, (abortSignal) =>
      provider.chat(abortSignal === request.abortSignal ? request : { ...request, abortSignal }),
    );
  }

  return {
    specificationVersion: 'v3',
    provider: providerName,
    modelId: model,
    supportedUrls: {},

    async doGenerate(callOptions: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
      const warnings: SharedV3Warning[] = [];
      const request = toChatRequest(model, callOptions, warnings, metadata);
      let result: { response: ChatResponse; cached: boolean };
      try {
        result = await chat(request);
      } catch (error) {
        throw toAPICallError(error, provider.id, callOptions.abortSignal);
      }
      const { response, cached } = result;
      let metadataOut = cached ? cachedMetadata : providerMetadata;
      const cachedInputTokens = response.usage.cachedInputTokens;
      if (cachedInputTokens !== undefined) {
        metadataOut = { victor: { ...(metadataOut.victor as JSONObject), cachedInputTokens } };
      }
      if (response.providerMetadata !== undefined) {
        metadataOut = { ...(response.providerMetadata as SharedV3ProviderMetadata), ...metadataOut };
      }
      return {
        content: responseContent(response),
        finishReason: toLanguageModelFinishReason(response.finishReason),
        usage: toLanguageModelUsage(response.usage),
        providerMetadata: metadataOut,
        response: { id: response.id, modelId: response.model },
        warnings,
      };
    },

    async doStream(callOptions: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
      const warnings: SharedV3Warning[] = [];
      const request = toChatRequest(model, callOptions, warnings, metadata);
      const { abortSignal } = callOptions;
      const events =
        responseCache === undefined
          ? provider.stream(request)
          : responseCache.stream(request, () => provider.stream(request));
      const iterator = events[Symbol.asyncIterator]();
      let first: IteratorResult<StreamEvent>;
      try {
        // Failures before the first event reject doStream, so the AI SDK can retry them like HTTP errors.
        first = await iterator.next();
      } catch (error) {
        throw toAPICallError(error, provider.id, abortSignal);
      }
      const encoder = new StreamPartEncoder(
        (error) => toAPICallError(error, provider.id, abortSignal),
        providerMetadata,
      );
      const pending: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings }];
      // The iterator is read to its end (not returned early after `finish`), so the provider finishes its
      // response body and keeps the connection.
      let done = first.done === true;
      if (!done) encoder.push(first.value as StreamEvent, pending);
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          while (pending.length === 0 && !done) {
            let next: IteratorResult<StreamEvent>;
            try {
              next = await iterator.next();
            } catch (error) {
              done = true;
              controller.error(toAPICallError(error, provider.id, abortSignal));
              return;
            }
            if (next.done) done = true;
            else encoder.push(next.value, pending);
          }
          for (const part of pending) controller.enqueue(part);
          pending.length = 0;
          if (done) controller.close();
        },
        async cancel() {
          done = true;
          await iterator.return?.();
        },
      });
      return { stream };
    },
  };
}
