import {
  type ChatRequest,
  type ChatResponse,
  invalidOption,
  type ModelMiddleware,
  type Provider,
  type StreamEvent,
} from '@victor-ai/core';
import { validateMiddlewareHooks } from './chain.js';

type ChatFunction = (request: ChatRequest) => Promise<ChatResponse>;
type StreamFunction = (request: ChatRequest) => AsyncIterable<StreamEvent>;

const MODEL_HOOKS = ['transformRequest', 'wrapChat', 'wrapStream'] as const;

function validateModelMiddleware(middleware: unknown, index: number): asserts middleware is ModelMiddleware {
  validateMiddlewareHooks(middleware, index, 'a model middleware object', MODEL_HOOKS);
}

function chatLayer(middleware: ModelMiddleware, next: ChatFunction): ChatFunction {
  const { transformRequest, wrapChat } = middleware;
  if (transformRequest === undefined && wrapChat === undefined) return next;
  return async (request) => {
    const transformed =
      transformRequest === undefined ? request : await transformRequest.call(middleware, request);
    return wrapChat === undefined ? next(transformed) : wrapChat.call(middleware, next, transformed);
  };
}

function streamLayer(middleware: ModelMiddleware, next: StreamFunction): StreamFunction {
  const { transformRequest, wrapStream } = middleware;
  if (transformRequest === undefined && wrapStream === undefined) return next;
  if (transformRequest === undefined) return (request) => wrapStream!.call(middleware, next, request);
  // The transform may be async while `stream` must return an iterable at once: start it on first pull.
  return (request) => ({
    async *[Symbol.asyncIterator]() {
      const transformed = await transformRequest.call(middleware, request);
      yield* wrapStream === undefined ? next(transformed) : wrapStream.call(middleware, next, transformed);
    },
  });
}

/**
 * Wraps a provider with model middlewares, composed once. The first middleware sees the request first and
 * the response last: for each middleware in order, `transformRequest` runs, then `wrapChat`/`wrapStream`
 * receives a `next` that runs the remaining middlewares and finally the provider. `embed` and `close` pass
 * through unchanged.
 */
export function wrapProvider(provider: Provider, middlewares: readonly ModelMiddleware[]): Provider {
  if (typeof provider !== 'object' || provider === null || typeof provider.chat !== 'function') {
    throw invalidOption('provider', 'a Provider', provider);
  }
  if (!Array.isArray(middlewares))
    throw invalidOption('middlewares', 'an array of model middlewares', middlewares);
  middlewares.forEach(validateModelMiddleware);
  let chat: ChatFunction = (request) => provider.chat(request);
  let stream: StreamFunction = (request) => provider.stream(request);
  // Built from the innermost (last) middleware outwards, so that the first one ends up outermost.
  for (let index = middlewares.length - 1; index >= 0; index--) {
    const middleware = middlewares[index]!;
    chat = chatLayer(middleware, chat);
    stream = streamLayer(middleware, stream);
  }
  const wrapped: Provider = {
    id: provider.id,
    chat,
    stream,
    close: () => provider.close(),
  };
  if (provider.embed !== undefined) {
    const embed = provider.embed.bind(provider);
    wrapped.embed = (request) => embed(request);
  }
  return Object.freeze(wrapped);
}
