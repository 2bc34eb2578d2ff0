import type { Message } from '@victor-ai/core';
import { estimateTokens } from './context-coordinator.js';

/** How tokens are counted: an OpenAI BPE encoding (via `gpt-tokenizer`) or the characters / 4 estimate. */
export type TokenizerName = 'o200k_base' | 'cl100k_base' | 'estimate';

/** Counts the tokens of text and of messages with one tokenizer; `tokenizer` says which. */
export interface TokenCounter {
  /** The tokenizer used: `estimate` when no real one exists for the model family. */
  readonly tokenizer: TokenizerName;
  /** Tokens of a text. */
  count(text: string): number;
  /** Tokens of a message: its content and tool calls, plus 4 for the envelope. */
  countMessage(message: Message): number;
}

// gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1/o3/o4 and gpt-oss use o200k; gpt-4 and gpt-3.5 (and their embeddings) cl100k.
const O200K = /^(?:chatgpt-4o|gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o\d)(?:$|[-.:_\d])/;
const CL100K = /^(?:gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)(?:$|[-.:_\d])/;

/**
 * The tokenizer used for a model: `o200k_base` or `cl100k_base` for OpenAI model families (a provider prefix
 * such as `openai/` or `azure/` is ignored), `estimate` (characters / 4) for every other model.
 */
export function tokenizerFor(model: string): TokenizerName {
  const slash = model.lastIndexOf('/');
  const name = (slash >= 0 ? model.slice(slash + 1) : model).toLowerCase();
  if (O200K.test(name)) return 'o200k_base';
  if (CL100K.test(name)) return 'cl100k_base';
  return 'estimate';
}

/** The characters / 4 estimate of a text's tokens. */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function messageCounter(tokenizer: TokenizerName, count: (text: string) => number): TokenCounter {
  // A message is counted once: the context's running count, its trimming and compaction all ask again.
  const counted = new WeakMap<Message, number>();
  return {
    tokenizer,
    count,
    countMessage(message) {
      let tokens = counted.get(message);
      if (tokens !== undefined) return tokens;
      tokens = 4 + count(message.content);
      if (message.role === 'assistant' && message.toolCalls) {
        for (const call of message.toolCalls)
          tokens += count(call.name) + count(JSON.stringify(call.arguments));
      }
      counted.set(message, tokens);
      return tokens;
    },
  };
}

/** The estimate as a `TokenCounter` (`countMessage` is `estimateTokens`). */
export const estimateCounter: TokenCounter = {
  tokenizer: 'estimate',
  count: estimateTextTokens,
  countMessage: estimateTokens,
};

const loading = new Map<TokenizerName, Promise<TokenCounter>>();

/**
 * The token counter of a model. The tokenizer of an OpenAI family is imported on the first call for it
 * (about 1.2 MB of ranks for cl100k, 2.4 MB for o200k; importing this package loads none), then shared;
 * every other model gets `estimateCounter` at once.
 */
export function loadTokenCounter(model: string): Promise<TokenCounter> {
  const tokenizer = tokenizerFor(model);
  if (tokenizer === 'estimate') return Promise.resolve(estimateCounter);
  let counter = loading.get(tokenizer);
  if (counter === undefined) {
    counter = (
      tokenizer === 'o200k_base'
        ? import('gpt-tokenizer/encoding/o200k_base')
        : import('gpt-tokenizer/encoding/cl100k_base')
    ).then((encoding) => messageCounter(tokenizer, (text) => encoding.countTokens(text)));
    // A failed import is tried again on the next call.
    counter.catch(() => loading.delete(tokenizer));
    loading.set(tokenizer, counter);
  }
  return counter;
}
