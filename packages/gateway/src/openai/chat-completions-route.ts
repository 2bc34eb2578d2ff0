import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDeterministicRequest, type ResponseCache } from '@victor-ai/cache';
import type { ChatRequest, ChatResponse, Provider, StreamEvent, Usage } from '@victor-ai/core';
import { VictorError } from '@victor-ai/core';
import type { PerformanceMonitor } from '@victor-ai/metrics';
import type { RequestContext } from '../http/hardened-server.js';
import { HttpError } from '../http/http-error.js';
import { fromWireRequest, toWireCompletion, WireChunkEncoder, WireError } from './chat-wire.js';

/** Where a request goes: the provider (a pool, usually) and the upstream model name. */
export interface ResolvedRoute {
  provider: Provider;
  model: string;
}

/** What `handleChatCompletions` needs besides the request. */
export interface ChatCompletionsDependencies {
  /** Picks the provider for a request (its `model` is the client's); throws `HttpError` 404 for no route. */
  resolve: (request: ChatRequest) => ResolvedRoute;
  /** Answers temperature-0 requests from cache; keys are scoped by `metadata.tenantId`. */
  responseCache?: ResponseCache | undefined;
  monitor?: PerformanceMonitor | undefined;
  /** The tenant whose cache entries the request may read (from the API key, or a trusted header). */
  tenantId?: string | undefined;
  /** Deepest nesting of tool-call `arguments`; default 64. */
  maxJsonDepth?: number | undefined;
  /** Told the usage of every answer the model gave (not of cached ones): for token budgets. */
  onUsage?: ((usage: Usage) => void) | undefined;
  /**
   * Called once the request is parsed and routed, before the cache or the model: reserves the tokens the
   * request may spend (or throws `HttpError` 429), and returns what settles the reservation with the
   * tokens it really spent, called once when the answer ended: 0 for a cached answer or a call that failed
   * before any output, undefined (keep the reservation) for a stream cut before the model reported usage.
   */
  reserve?: ((request: ChatRequest) => Promise<(usedTokens: number | undefined) => void>) | undefined;
}

/** A provider failure as an HTTP status and an OpenAI-style error; request errors are never 5xx. */
export function providerFailure(error: unknown): HttpError {
  if (HttpError.isHttpError(error)) return error;
  if (!VictorError.isInstance(error)) {
    return new WireError(500, error instanceof Error ? error.message : String(error), null, 'api_error');
  }
  const upstream = (error as { status?: unknown }).status;
  let status = 502;
  if (error.code === 'HTTP_STATUS' && typeof upstream === 'number' && upstream < 500) status = upstream;
  else if (error.code === 'INVALID_ARGUMENTS' || error.code === 'INVALID_CONFIG') status = 400;
  else if (error.code === 'TIMEOUT') status = 504;
  else if (error.code === 'CIRCUIT_OPEN') {
    return new HttpError({
      status: 503,
      reason: 'no_healthy_endpoint',
      message: `${error.code}: ${error.message}`,
      headers: { 'retry-after': '1' },
    });
  }
  return new WireError(
    status,
    `${error.code}: ${error.message}`,
    null,
    status < 500 ? 'invalid_request_error' : 'api_error',
  );
}

// Answer ids: 12 random hex digits per process, then a counter; unique per process and run without a
// random UUID (and a regex replace) per request.
const ID_STEM = randomBytes(6).toString('hex');
let idCounter = 0;

/** A new answer id after `prefix`: `chatcmpl-<process stem><counter>`. */
export function nextAnswerId(prefix: string): string {
  idCounter = (idCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}${ID_STEM}${idCounter.toString(36)}`;
}

function sendJson(response: ServerResponse, body: unknown, headers: Record<string, string>): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

/**
 * One API's wire format for `handleChat`: how a body becomes a `ChatRequest`, and how answers, stream
 * events and in-stream errors are written back. OpenAI Chat Completions and Anthropic Messages have one each.
 */
export interface ChatDialect {
  /** Prefix of answer ids (`chatcmpl-`, `msg_`). */
  idPrefix: string;
  parse(
    body: unknown,
    maxJsonDepth: number | undefined,
  ): { request: ChatRequest; stream: boolean; includeUsage: boolean };
  completion(reply: ChatResponse, id: string, model: string, created: number): object;
  /** An encoder of stream events into SSE text, created per answer. */
  streamEncoder(
    id: string,
    model: string,
    created: number,
    includeUsage: boolean,
  ): {
    encode(event: StreamEvent): string;
    /** Text sent after the last event of a stream that ended well. */
    end(): string;
  };
  /** An error sent in-band once a stream has started. */
  streamError(error: HttpError): string;
}

/** OpenAI Chat Completions as a `ChatDialect`. */
export const openAIChatDialect: ChatDialect = {
  idPrefix: 'chatcmpl-',
  parse: (body, maxJsonDepth) => fromWireRequest(body, maxJsonDepth === undefined ? {} : { maxJsonDepth }),
  completion: (reply, id, model, created) => toWireCompletion(reply, id, model, created),
  streamEncoder(id, model, created, includeUsage) {
    const encoder = new WireChunkEncoder(id, model, created, includeUsage);
    return {
      encode: (event) => {
        let text = '';
        for (const chunk of encoder.encode(event)) text += `data: ${JSON.stringify(chunk)}\n\n`;
        return text;
      },
      end: () => 'data: [DONE]\n\n',
    };
  },
  streamError: (error) => `data: ${JSON.stringify(errorBodyOf(error))}\n\n`,
};

/**
 * Answers `POST /v1/chat/completions` (streaming SSE and not) through `dependencies.resolve`'s provider and
 * the response cache. Errors before the answer started are thrown as `HttpError`s; after a stream started
 * they are sent in-band, as OpenAI does.
 */
export function handleChatCompletions(
  request: IncomingMessage,
  response: ServerResponse,
  context: RequestContext,
  dependencies: ChatCompletionsDependencies,
): Promise<void> {
  return handleChat(openAIChatDialect, request, response, context, dependencies);
}

/** Answers a chat request in `dialect`'s wire format; what `handleChatCompletions` and the Messages route share. */
export async function handleChat(
  dialect: ChatDialect,
  request: IncomingMessage,
  response: ServerResponse,
  context: RequestContext,
  dependencies: ChatCompletionsDependencies,
): Promise<void> {
  try {
    await answer(dialect, request, response, context, dependencies);
  } catch (error) {
    throw providerFailure(error);
  }
}

async function answer(
  dialect: ChatDialect,
  _request: IncomingMessage,
  response: ServerResponse,
  context: RequestContext,
  dependencies: ChatCompletionsDependencies,
): Promise<void> {
  const { monitor, responseCache } = dependencies;
  const { maxJsonDepth } = dependencies;
  const { request: chat, stream, includeUsage } = dialect.parse(await context.readJson(), maxJsonDepth);
  if (dependencies.tenantId !== undefined)
    chat.metadata = { ...chat.metadata, tenantId: dependencies.tenantId };
  const route = dependencies.resolve(chat);
  chat.model = route.model;
  const abort = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) abort.abort(new Error('the client went away'));
  });
  // `chat` was made for this request by the dialect's parser: it carries the signal itself (no copy).
  chat.abortSignal = abort.signal;
  const routed: ChatRequest = chat;
  let usedTokens: number | undefined = 0;
  const settle = dependencies.reserve ? await dependencies.reserve(routed) : undefined;
  const onUsage =
    settle || dependencies.onUsage
      ? (usage: Usage) => {
          usedTokens = usage.inputTokens + usage.outputTokens;
          dependencies.onUsage?.(usage);
        }
      : undefined;
  try {
    const id = nextAnswerId(dialect.idPrefix);
    const created = Math.floor(Date.now() / 1000);
    const answeredModel = route.model;
    const cacheable = responseCache !== undefined && isDeterministicRequest(routed);
    const timer = monitor?.startRequest();
    let calledModel = false;
    if (!stream) {
      try {
        const call = (abortSignal?: AbortSignal) => {
          calledModel = true;
          timer?.providerStart();
          let sent = routed;
          if (abortSignal !== routed.abortSignal) {
            sent = { ...routed };
            if (abortSignal) sent.abortSignal = abortSignal;
            else delete sent.abortSignal;
          }
          return route.provider.chat(sent).finally(() => timer?.providerEnd());
        };
        // A shared call is sent with the signal that aborts only when every client waiting for it left. A
        // request the cache would not store goes straight to the model (one promise chain fewer).
        const { response: reply, cached } =
          responseCache && cacheable
            ? await responseCache.chat(routed, call)
            : { response: await call(abort.signal), cached: false };
        timer?.end(cached ? 'cached' : 'ok');
        if (!cached) onUsage?.(reply.usage);
        sendJson(response, dialect.completion(reply, id, answeredModel, created), {
          'x-victor-cache': !cacheable ? 'bypass' : cached ? 'hit' : 'miss',
        });
      } catch (error) {
        timer?.end('error');
        throw error;
      }
      return;
    }
    const encoder = dialect.streamEncoder(id, answeredModel, created, includeUsage);
    const start = () => {
      calledModel = true;
      timer?.providerStart();
      return route.provider.stream(routed);
    };
    const events = responseCache ? responseCache.stream(routed, start) : start();
    let headersSent = false;
    // Events decoded from one upstream read arrive in one run of microtasks: they are written as one
    // socket write (corked until the next tick), instead of one write, and one wake-up of the client, each.
    let corked = false;
    const uncork = () => {
      if (!corked) return;
      corked = false;
      response.uncork();
    };
    const send = (text: string) => {
      if (!corked) {
        corked = true;
        response.cork();
        process.nextTick(uncork);
      }
      response.write(text);
    };
    let outcome = 'ok';
    try {
      for await (const event of events as AsyncIterable<StreamEvent>) {
        if (!headersSent) {
          // No `connection` header: Node keeps the connection alive or closes it as the client asked.
          response.writeHead(200, {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache',
            'x-victor-cache': !cacheable ? 'bypass' : calledModel ? 'miss' : 'hit',
          });
          headersSent = true;
          // From here the model may be spending: unknown until its usage arrives with `finish`.
          if (calledModel) usedTokens = undefined;
        }
        if (event.type === 'text-delta') timer?.firstToken();
        if (event.type === 'error') {
          outcome = 'error';
          send(dialect.streamError(providerFailure(event.error)));
          break;
        }
        if (event.type === 'finish' && calledModel) onUsage?.(event.usage);
        const text = encoder.encode(event);
        if (text !== '') send(text);
      }
      if (outcome === 'ok') {
        const end = encoder.end();
        if (end !== '') send(end);
      }
      // Uncorked before `end`: Node 22 drops what a corked response still holds when it ends.
      uncork();
      response.end();
    } catch (error) {
      outcome = 'error';
      if (!headersSent) throw error;
      uncork();
      if (!response.destroyed) {
        response.write(dialect.streamError(providerFailure(error)));
        response.end();
      }
    } finally {
      if (calledModel) timer?.providerEnd();
      timer?.end(calledModel ? outcome : outcome === 'ok' ? 'cached' : outcome);
    }
  } finally {
    settle?.(usedTokens);
  }
}

function errorBodyOf(error: HttpError): unknown {
  return {
    error: {
      message: error.message,
      type: error.status >= 500 ? 'api_error' : 'invalid_request_error',
      param: error.param,
      code: error.reason,
    },
  };
}
