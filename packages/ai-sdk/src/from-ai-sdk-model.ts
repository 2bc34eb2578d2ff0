import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FunctionTool,
  LanguageModelV3StreamPart,
} from '@ai-sdk/provider';
import {
  type AssistantMessage,
  type ChatRequest,
  type ChatResponse,
  InvalidConfigError,
  InvalidResponseError,
  invalidOption,
  type Provider,
  parseToolArguments,
  type ReasoningPart,
  type StreamEvent,
  type ToolCall,
  toJsonSchema,
} from '@victor-ai/core';
import { fromAISDKError } from './errors.js';
import { toLanguageModelPrompt, toReasoningPart } from './prompt.js';
import { StreamPartDecoder, withoutVictor } from './stream-parts.js';
import { fromLanguageModelFinishReason, fromLanguageModelUsage } from './usage.js';

/** Options of `fromAISDKModel`. */
export interface FromAISDKModelOptions {
  /** The provider's id in Victor's metrics and errors; default `ai-sdk:<provider>:<modelId>`. */
  id?: string;
  /** Passed to the model as `providerOptions` on every call (`{ openai: { ... } }`). */
  providerOptions?: LanguageModelV3CallOptions['providerOptions'];
}

const toolCache = new WeakMap<object, LanguageModelV3FunctionTool>();

function toFunctionTool(definition: NonNullable<ChatRequest['tools']>[number]): LanguageModelV3FunctionTool {
  let tool = toolCache.get(definition);
  if (tool === undefined) {
    tool = {
      type: 'function',
      name: definition.name,
      description: definition.description,
      inputSchema: toJsonSchema(definition.parameters) as LanguageModelV3FunctionTool['inputSchema'],
    };
    toolCache.set(definition, tool);
  }
  return tool;
}

/**
 * The AI SDK call options of a Victor request; the model name of the request is not used (the model is
 * fixed). `providerOptions` are the adapter's defaults overlaid with the request's own.
 */
export function toCallOptions(
  request: ChatRequest,
  providerOptions?: LanguageModelV3CallOptions['providerOptions'],
): LanguageModelV3CallOptions {
  const options: LanguageModelV3CallOptions = { prompt: toLanguageModelPrompt(request.messages) };
  if (request.tools !== undefined && request.tools.length > 0) {
    options.tools = request.tools.map(toFunctionTool);
    const choice = request.toolChoice;
    if (choice !== undefined) {
      options.toolChoice =
        typeof choice === 'string' ? { type: choice } : { type: 'tool', toolName: choice.name };
    }
  }
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.topP !== undefined) options.topP = request.topP;
  if (request.maxTokens !== undefined) options.maxOutputTokens = request.maxTokens;
  if (request.stop !== undefined) options.stopSequences = [...request.stop];
  if (request.seed !== undefined) options.seed = request.seed;
  if (request.headers !== undefined) options.headers = { ...request.headers };
  if (request.abortSignal !== undefined) options.abortSignal = request.abortSignal;
  if (request.providerOptions !== undefined) {
    // The request's options (keyed by provider, as the AI SDK keys them) win over the adapter's defaults.
    options.providerOptions = {
      ...providerOptions,
      ...(request.providerOptions as LanguageModelV3CallOptions['providerOptions']),
    };
  } else if (providerOptions !== undefined) options.providerOptions = providerOptions;
  return options;
}

/**
 * A Victor `Provider` over any AI SDK language model (specification v3: the providers of `ai` 6, such as
 * `@ai-sdk/openai`, `@ai-sdk/google`, `@ai-sdk/amazon-bedrock`), so `createAgent` and `createProviderPool`
 * can use it. Text, client tool calls, reasoning, provider options and provider metadata map both ways;
 * sources, files and provider-executed tools are left out. Failures are Victor errors (`HTTP_STATUS`,
 * `CONNECTION_FAILED`, `ABORTED`, ...).
 */
export function fromAISDKModel(model: LanguageModelV3, options: FromAISDKModelOptions = {}): Provider {
  if (typeof model?.doGenerate !== 'function' || typeof model.doStream !== 'function') {
    throw invalidOption('model', 'an AI SDK language model', model);
  }
  if (model.specificationVersion !== 'v3') {
    throw invalidOption(
      'model.specificationVersion',
      '"v3" (a provider for ai 6; use the provider package version made for ai 6)',
      model.specificationVersion,
    );
  }
  const id = options.id ?? `ai-sdk:${model.provider}:${model.modelId}`;
  const { providerOptions } = options;
  const { modelId } = model;
  let closed = false;
  const checkOpen = () => {
    if (closed) throw new InvalidConfigError({ option: 'provider', message: `provider ${id} is closed` });
  };

  async function chat(request: ChatRequest): Promise<ChatResponse> {
    checkOpen();
    const { abortSignal } = request;
    let result: Awaited<ReturnType<LanguageModelV3['doGenerate']>>;
    try {
      result = await model.doGenerate(toCallOptions(request, providerOptions));
    } catch (error) {
      throw fromAISDKError(error, modelId, abortSignal);
    }
    let text = '';
    const toolCalls: ToolCall[] = [];
    let reasoning: ReasoningPart[] | undefined;
    for (const part of result.content) {
      if (part.type === 'text') text += part.text;
      else if (part.type === 'reasoning') {
        if (reasoning === undefined) reasoning = [];
        reasoning.push(toReasoningPart(part.text, part.providerMetadata));
      } else if (part.type === 'tool-call' && !part.providerExecuted) {
        let args: ToolCall['arguments'];
        try {
          args = parseToolArguments(part.toolName, part.input);
        } catch (error) {
          throw new InvalidResponseError({
            message: `${modelId} sent a call of tool ${JSON.stringify(part.toolName)} whose input is not a JSON object: ${JSON.stringify(part.input.slice(0, 120))}`,
            cause: error,
          });
        }
        toolCalls.push({ id: part.toolCallId, name: part.toolName, arguments: args });
      }
    }
    const message: AssistantMessage = { role: 'assistant', content: text };
    if (toolCalls.length > 0) message.toolCalls = toolCalls;
    if (reasoning !== undefined) message.reasoning = reasoning;
    const response: ChatResponse = {
      message,
      text,
      toolCalls,
      finishReason: fromLanguageModelFinishReason(result.finishReason),
      usage: fromLanguageModelUsage(result.usage),
    };
    if (result.response?.id !== undefined) response.id = result.response.id;
    if (result.response?.modelId !== undefined) response.model = result.response.modelId;
    const metadata = withoutVictor(result.providerMetadata);
    if (metadata !== undefined) response.providerMetadata = metadata;
    return response;
  }

  async function* stream(request: ChatRequest): AsyncGenerator<StreamEvent> {
    checkOpen();
    const { abortSignal } = request;
    const mapError = (error: unknown) => fromAISDKError(error, modelId, abortSignal);
    let reader: ReadableStreamDefaultReader<LanguageModelV3StreamPart>;
    try {
      reader = (await model.doStream(toCallOptions(request, providerOptions))).stream.getReader();
    } catch (error) {
      throw mapError(error);
    }
    const decoder = new StreamPartDecoder(mapError, modelId);
    const out: StreamEvent[] = [];
    let finished = false;
    try {
      while (!finished) {
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch (error) {
          if (!decoder.hasStarted) throw mapError(error);
          yield { type: 'error', error: mapError(error) };
          return;
        }
        if (next.done) {
          if (!decoder.hasStarted)
            throw new InvalidResponseError({ message: `${modelId} ended its stream without an event` });
          yield {
            type: 'error',
            error: new InvalidResponseError({ message: `${modelId} ended its stream without a finish` }),
          };
          return;
        }
        finished = decoder.push(next.value, out);
        for (const event of out) yield event;
        out.length = 0;
      }
    } finally {
      // Breaking out, aborting or a failure cancels the model's stream (and with it the HTTP request);
      // after `finish` the stream is over and cancelling it does nothing.
      await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }

  return {
    id,
    chat,
    stream,
    async close() {
      closed = true;
    },
  };
}
