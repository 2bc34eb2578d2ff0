import type { ChatRequest, ChatResponse } from '@victor-ai/core';
import { invalidOption } from '@victor-ai/core';
import { HttpProvider, type HttpProviderOptions, type StreamDecoder } from '../http-provider.js';
import { positiveInteger } from '../options.js';
import { decodeMessagesResponse } from './decode-response.js';
import { AnthropicStreamDecoder } from './decode-stream.js';
import {
  type AnthropicCacheControl,
  type AnthropicThinking,
  buildMessagesBody,
  PrefixStability,
} from './request-body.js';

/** Options of `createAnthropicProvider`. */
export interface AnthropicProviderOptions extends Omit<HttpProviderOptions, 'baseURL'> {
  /** Base URL including the version path; default `https://api.anthropic.com/v1`. */
  baseURL?: string | undefined;
  /** Sent as `x-api-key` when given (`undefined`, e.g. an unset env var, sends none). */
  apiKey?: string | undefined;
  /** The `anthropic-version` header; default `2023-06-01`. */
  anthropicVersion?: string | undefined;
  /** `max_tokens` when a request gives none (the API requires it); default 4,096. */
  defaultMaxTokens?: number;
  /**
   * Extended thinking for every request, sent as `thinking` (e.g. `{ type: 'enabled', budget_tokens: 2048 }`);
   * a request's `providerOptions.anthropic.thinking` overrides it. Default none.
   */
  thinking?: AnthropicThinking;
  /**
   * Prompt-cache breakpoints (`cache_control`), on by default: at most 4, on the last tool, the system
   * prompt and the last stable messages, each only while it tends to stay the same across a conversation's
   * requests (`minStability`). An object tunes the placement; `false` places none. A request's
   * `providerOptions.anthropic.cacheControl` overrides it.
   */
  cacheControl?: AnthropicCacheControl | boolean;
}

/** An Anthropic Messages API provider (`/v1/messages`) over a keep-alive undici pool. */
export class AnthropicProvider extends HttpProvider {
  protected readonly chatPath: string;
  private readonly defaultMaxTokens: number;
  private readonly thinking: AnthropicThinking | undefined;
  private readonly cacheControl: AnthropicCacheControl | boolean;
  private readonly stability = new PrefixStability();

  constructor(options: AnthropicProviderOptions = {}) {
    if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
    const version = options.anthropicVersion ?? '2023-06-01';
    if (typeof version !== 'string' || version.length === 0) {
      throw invalidOption('anthropicVersion', 'a non-empty string', version);
    }
    const auth: Record<string, string> = { 'anthropic-version': version };
    if (options.apiKey) auth['x-api-key'] = options.apiKey;
    super('anthropic', { ...options, baseURL: options.baseURL ?? 'https://api.anthropic.com/v1' }, auth);
    this.chatPath = `${this.pathPrefix}/messages`;
    this.defaultMaxTokens = positiveInteger('defaultMaxTokens', options.defaultMaxTokens, 4096);
    const thinking = options.thinking;
    if (
      thinking !== undefined &&
      (typeof thinking !== 'object' || thinking === null || typeof thinking.type !== 'string')
    ) {
      throw invalidOption('thinking', 'an object like { type: "enabled", budget_tokens: 2048 }', thinking);
    }
    this.thinking = thinking;
    const cacheControl = options.cacheControl;
    if (
      cacheControl !== undefined &&
      typeof cacheControl !== 'boolean' &&
      (typeof cacheControl !== 'object' || cacheControl === null)
    ) {
      throw invalidOption('cacheControl', 'a boolean or an object like { messages: false }', cacheControl);
    }
    this.cacheControl = cacheControl ?? true;
  }

  protected buildBody(request: ChatRequest, stream: boolean): string {
    return buildMessagesBody(
      request,
      stream,
      this.defaultMaxTokens,
      this.thinking,
      this.cacheControl,
      this.stability,
    );
  }

  protected decodeResponse(body: unknown): ChatResponse {
    return decodeMessagesResponse(body);
  }

  protected createStreamDecoder(): StreamDecoder {
    return new AnthropicStreamDecoder();
  }
}

/** Creates an Anthropic Messages provider; options are checked here. */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): AnthropicProvider {
  return new AnthropicProvider(options);
}
