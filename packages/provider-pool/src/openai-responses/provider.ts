import type { ChatRequest, ChatResponse } from '@victor-ai/core';
import { invalidOption } from '@victor-ai/core';
import { HttpProvider, type HttpProviderOptions, type StreamDecoder } from '../http-provider.js';
import { decodeResponsesResponse } from './decode-response.js';
import { ResponsesStreamDecoder } from './decode-stream.js';
import { buildResponsesBody, type ResponsesRequestOptions, responsesOptionsOf } from './request-body.js';

/** Options of `createOpenAIResponsesProvider`: the HTTP options, and Responses settings for every request. */
export interface OpenAIResponsesProviderOptions extends HttpProviderOptions, ResponsesRequestOptions {
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string | undefined;
}

const BOOLEAN_OPTIONS = ['store', 'parallelToolCalls', 'strictTools'] as const;

/**
 * An OpenAI Responses API provider (`POST /responses`) over a keep-alive undici pool: text, function tools
 * (strict when the schema allows), reasoning items carried in the assistant message and sent back (with
 * encrypted content when `store` is false), usage with cached and reasoning tokens, and the output items
 * Victor does not model passed through as `providerMetadata['openai-responses']`.
 */
export class OpenAIResponsesProvider extends HttpProvider {
  protected readonly chatPath: string;
  private readonly defaults: ResponsesRequestOptions;

  constructor(options: OpenAIResponsesProviderOptions) {
    super('openai-responses', options, options?.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {});
    this.chatPath = `${this.pathPrefix}/responses`;
    for (const name of BOOLEAN_OPTIONS) {
      if (options[name] !== undefined && typeof options[name] !== 'boolean') {
        throw invalidOption(name, 'a boolean', options[name]);
      }
    }
    if (
      options.include !== undefined &&
      !(Array.isArray(options.include) && options.include.every((entry) => typeof entry === 'string'))
    ) {
      throw invalidOption('include', 'an array of strings', options.include);
    }
    if (options.previousResponseId !== undefined && typeof options.previousResponseId !== 'string') {
      throw invalidOption('previousResponseId', 'a string', options.previousResponseId);
    }
    const defaults: ResponsesRequestOptions = {};
    if (options.store !== undefined) defaults.store = options.store;
    if (options.include !== undefined) defaults.include = options.include;
    if (options.previousResponseId !== undefined) defaults.previousResponseId = options.previousResponseId;
    if (options.parallelToolCalls !== undefined) defaults.parallelToolCalls = options.parallelToolCalls;
    if (options.reasoning !== undefined) defaults.reasoning = options.reasoning;
    if (options.strictTools !== undefined) defaults.strictTools = options.strictTools;
    this.defaults = defaults;
  }

  protected buildBody(request: ChatRequest, stream: boolean): string {
    return buildResponsesBody(request, stream, responsesOptionsOf(request, this.defaults));
  }

  protected decodeResponse(body: unknown): ChatResponse {
    return decodeResponsesResponse(body);
  }

  protected createStreamDecoder(): StreamDecoder {
    return new ResponsesStreamDecoder();
  }
}

/** Creates an OpenAI Responses API provider; options are checked here. */
export function createOpenAIResponsesProvider(
  options: OpenAIResponsesProviderOptions,
): OpenAIResponsesProvider {
  return new OpenAIResponsesProvider(options);
}
