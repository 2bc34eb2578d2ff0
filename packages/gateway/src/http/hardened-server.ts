import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { InvalidConfigError } from '@victor-ai/core';
import { HttpError } from './http-error.js';
import { DEFAULT_MAX_JSON_DEPTH, parseJson } from './parse-json.js';
import { DEFAULT_MAX_BODY_BYTES, readBody } from './read-body.js';
import { createHostCheck, defaultAllowedHosts, isJsonContentType } from './request-checks.js';

/** Cross-origin access for browsers; none unless configured. */
export interface CorsOptions {
  /** Origins allowed (`https://app.example.com`), or `'*'` for any. */
  origins: readonly string[] | '*';
  /** How long a browser may cache a preflight answer; default 600 s. */
  maxAgeSeconds?: number;
}

/** The limits and checks of the hardened server; each has a safe default. */
export interface HttpServerLimits {
  /** Largest request body, in bytes; default 4 MiB. A larger body gets 413 and the connection closes. */
  maxBodyBytes?: number;
  /** Deepest nesting of arrays and objects in a JSON body; default 64. Deeper gets 400. */
  maxJsonDepth?: number;
  /** Time for a client to send the request headers; default 10 s (Node's own default is 60 s). */
  headersTimeoutMs?: number;
  /** Time for a client to send the whole request, body included; default 60 s (Node's is 300 s). */
  requestTimeoutMs?: number;
  /** Time an idle keep-alive connection stays open; default 5 s. */
  keepAliveTimeoutMs?: number;
  /**
   * Open connections answered normally; default 1,024. A connection beyond it gets a 503 with
   * `Retry-After` for its first request and is closed; beyond twice the number, connections are dropped.
   */
  maxConnections?: number;
  /** Requests being answered at once (streams included); default 256. Beyond it: 503 with `Retry-After`. */
  maxRequestsInFlight?: number;
  /** The `Retry-After` (seconds) of 503 answers; default 1. */
  retryAfterSeconds?: number;
  /**
   * `Host` names answered (any port); default the names the server is bound to (`defaultAllowedHosts`):
   * the loopback names on loopback. `'*'` turns the check off. Other hosts get 403 (DNS rebinding).
   */
  allowedHosts?: readonly string[] | '*';
  /** CORS headers and preflight answers for these origins; default none (no CORS headers at all). */
  cors?: CorsOptions;
  /** After an answer that closes the connection early (413), how long unread body bytes are drained; default 2 s. */
  closeLingerMs?: number;
}

/** What a request handler gets besides the request and response. */
export interface RequestContext {
  /** The path without the query. */
  readonly path: string;
  /** Reads the body within `maxBodyBytes`. */
  readBody(): Promise<Buffer>;
  /** Reads and parses the JSON body within `maxBodyBytes` and `maxJsonDepth`. */
  readJson(): Promise<unknown>;
}

/** Options of `startHardenedServer`. */
export interface HardenedServerOptions extends HttpServerLimits {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Answers a request that passed the checks; a thrown `HttpError` is answered with its status. */
  handler: (request: IncomingMessage, response: ServerResponse, context: RequestContext) => unknown;
  /** The JSON error body for a refused request; default OpenAI's `{ error: { message, type, param, code } }`. */
  errorBody?: (error: HttpError, request: IncomingMessage) => unknown;
}

/** A running hardened server. */
export interface HardenedServer {
  readonly server: Server;
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  /** Requests being answered now. */
  readonly inFlight: number;
  /** Open connections now. */
  readonly connections: number;
  /** True once `close` was called: new requests get 503 and their connection closes. */
  readonly draining: boolean;
  /**
   * Stops accepting connections, lets the requests in flight finish for up to `graceMs` (default 10 s),
   * then cuts what is left; resolves when the server is closed.
   */
  close(graceMs?: number): Promise<void>;
}

/** The resolved limits with their defaults applied; what `resolveHttpLimits` returns. */
export type ResolvedHttpLimits = Required<Omit<HttpServerLimits, 'cors' | 'allowedHosts'>> & {
  allowedHosts: readonly string[] | '*';
  cors: CorsOptions | undefined;
};

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidConfigError({
      option: name,
      message: `${name} must be a positive integer, got ${String(value)}`,
    });
  }
  return value;
}

/** Applies the defaults to `limits` and checks them; throws `InvalidConfigError` naming a bad option. */
export function resolveHttpLimits(limits: HttpServerLimits, bindHost = '127.0.0.1'): ResolvedHttpLimits {
  const resolved: ResolvedHttpLimits = {
    maxBodyBytes: positiveInteger('maxBodyBytes', limits.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    maxJsonDepth: positiveInteger('maxJsonDepth', limits.maxJsonDepth, DEFAULT_MAX_JSON_DEPTH),
    headersTimeoutMs: positiveInteger('headersTimeoutMs', limits.headersTimeoutMs, 10_000),
    requestTimeoutMs: positiveInteger('requestTimeoutMs', limits.requestTimeoutMs, 60_000),
    keepAliveTimeoutMs: positiveInteger('keepAliveTimeoutMs', limits.keepAliveTimeoutMs, 5_000),
    maxConnections: positiveInteger('maxConnections', limits.maxConnections, 1_024),
    maxRequestsInFlight: positiveInteger('maxRequestsInFlight', limits.maxRequestsInFlight, 256),
    retryAfterSeconds: positiveInteger('retryAfterSeconds', limits.retryAfterSeconds, 1),
    closeLingerMs: positiveInteger('closeLingerMs', limits.closeLingerMs, 2_000),
    allowedHosts: limits.allowedHosts ?? defaultAllowedHosts(bindHost),
    cors: limits.cors,
  };
  if (resolved.headersTimeoutMs > resolved.requestTimeoutMs) {
    throw new InvalidConfigError({
      option: 'headersTimeoutMs',
      message: `headersTimeoutMs (${resolved.headersTimeoutMs}) must not be larger than requestTimeoutMs (${resolved.requestTimeoutMs})`,
    });
  }
  if (resolved.allowedHosts !== '*' && !Array.isArray(resolved.allowedHosts)) {
    throw new InvalidConfigError({
      option: 'allowedHosts',
      message: `allowedHosts must be an array of host names or '*', got ${JSON.stringify(resolved.allowedHosts)}`,
    });
  }
  return resolved;
}

/** OpenAI's error body for an `HttpError`. */
export function openAIErrorBody(error: HttpError): {
  error: { message: string; type: string; param: string | null; code: string };
} {
  let type = 'invalid_request_error';
  if (error.reason === 'unauthorized') type = 'authentication_error';
  else if (error.reason === 'rate_limited') type = 'rate_limit_error';
  else if (error.reason === 'budget_exceeded') type = 'insufficient_quota';
  else if (error.status >= 500) type = 'api_error';
  return { error: { message: error.message, type, param: error.param, code: error.reason } };
}

/**
 * Answers `error` as JSON (a response whose headers went out already is ended). When the error closes the
 * connection (a body left unread), the answer carries `Connection: close` and the rest of the body is
 * drained for up to `lingerMs` before the socket closes, so the client reads the answer instead of a reset.
 */
export function sendHttpError(
  request: IncomingMessage,
  response: ServerResponse,
  error: HttpError,
  body: unknown,
  lingerMs = 2_000,
): void {
  if (response.headersSent) {
    if (!response.writableEnded) response.end();
    return;
  }
  const text = `${JSON.stringify(body)}\n`;
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...error.headers,
  };
  if (error.closeConnection) {
    headers.connection = 'close';
    lingerThenClose(request, lingerMs);
  }
  response.writeHead(error.status, headers);
  response.end(text);
}

// Node destroys a `Connection: close` socket once the answer is written; with body bytes still unread
// the kernel then sends a reset, which can reach the client before it reads the answer. Instead the
// write side is ended (the answer is delivered) and the unread bytes are drained for a bounded time.
function lingerThenClose(request: IncomingMessage, lingerMs: number): void {
  const socket = request.socket as Socket & { destroySoon?: () => void };
  if (socket.destroyed) return;
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
  request.resume();
}

/**
 * Starts an HTTP server with the limits and checks a server facing untrusted clients needs: body size
 * and JSON depth limits, a `Host` allow-list, `application/json` on POST, no CORS unless configured,
 * explicit timeouts, and caps on connections and requests in flight answered with 503 and `Retry-After`.
 */
export async function startHardenedServer(options: HardenedServerOptions): Promise<HardenedServer> {
  const bindHost = options.host ?? '127.0.0.1';
  const limits = resolveHttpLimits(options, bindHost);
  const hostAllowed = createHostCheck(limits.allowedHosts);
  const errorBody = options.errorBody ?? ((error: HttpError) => openAIErrorBody(error));
  const overLimit = new WeakSet<Socket>();
  const sockets = new Set<Socket>();
  const active = new Set<ServerResponse>();
  let inFlight = 0;
  let draining = false;
  const retryAfter = String(limits.retryAfterSeconds);
  // The 503 a request gets when the server is over a limit or draining: the client should retry later.
  const overloaded = (message: string, closeConnection: boolean) =>
    new HttpError({
      status: 503,
      reason: 'overloaded',
      message,
      headers: { 'retry-after': retryAfter },
      closeConnection,
    });

  const fail = (request: IncomingMessage, response: ServerResponse, error: HttpError) =>
    sendHttpError(request, response, error, errorBody(error, request), limits.closeLingerMs);

  const corsHeaders = (request: IncomingMessage): Record<string, string> | undefined => {
    const cors = limits.cors;
    const origin = request.headers.origin;
    if (!cors || origin === undefined) return undefined;
    if (cors.origins !== '*' && !cors.origins.includes(origin)) return undefined;
    return { 'access-control-allow-origin': cors.origins === '*' ? '*' : origin, vary: 'Origin' };
  };

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above; its default (30 s) would stretch small timeouts.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 2))),
    },
    (request, response) => {
      const path = (request.url ?? '/').split('?')[0]!;
      if (draining || overLimit.has(request.socket)) {
        const message = draining
          ? 'the server is shutting down; retry on another instance'
          : `too many open connections (limit ${limits.maxConnections}, maxConnections)`;
        fail(request, response, overloaded(message, true));
        return;
      }
      if (!hostAllowed(request.headers.host)) {
        fail(
          request,
          response,
          new HttpError({
            status: 403,
            reason: 'host_not_allowed',
            message: `the Host ${JSON.stringify(request.headers.host ?? '')} is not allowed (allowedHosts)`,
            closeConnection: request.method !== 'GET' && request.method !== 'HEAD',
          }),
        );
        return;
      }
      const cors = corsHeaders(request);
      if (request.method === 'OPTIONS' && limits.cors) {
        if (!cors) {
          response.writeHead(403, { 'content-length': '0' }).end();
          return;
        }
        response
          .writeHead(204, {
            ...cors,
            'access-control-allow-methods': 'GET, POST, OPTIONS',
            'access-control-allow-headers':
              request.headers['access-control-request-headers'] ?? 'authorization, content-type',
            'access-control-max-age': String(limits.cors.maxAgeSeconds ?? 600),
            'content-length': '0',
          })
          .end();
        return;
      }
      if (cors) for (const [name, value] of Object.entries(cors)) response.setHeader(name, value);
      if (request.method === 'POST' && !isJsonContentType(request.headers['content-type'])) {
        fail(
          request,
          response,
          new HttpError({
            status: 415,
            reason: 'unsupported_media_type',
            message: `POST bodies must be application/json, got ${JSON.stringify(request.headers['content-type'] ?? '')}`,
            closeConnection: true,
          }),
        );
        return;
      }
      if (inFlight >= limits.maxRequestsInFlight) {
        const message = `too many requests in flight (limit ${limits.maxRequestsInFlight}, maxRequestsInFlight)`;
        fail(request, response, overloaded(message, request.method === 'POST'));
        return;
      }
      inFlight++;
      active.add(response);
      response.once('close', () => {
        inFlight--;
        active.delete(response);
      });
      const context: RequestContext = {
        path,
        readBody: () => readBody(request, { maxBytes: limits.maxBodyBytes }),
        readJson: async () =>
          parseJson((await readBody(request, { maxBytes: limits.maxBodyBytes })).toString('utf8'), {
            maxDepth: limits.maxJsonDepth,
          }),
      };
      const answered = (async () => options.handler(request, response, context))();
      answered.catch((error: unknown) => {
        const failure = HttpError.isHttpError(error)
          ? error
          : new HttpError({
              status: 500,
              reason: 'upstream_error',
              message: error instanceof Error ? error.message : String(error),
              cause: error,
            });
        fail(request, response, failure);
      });
    },
  );
  // Beyond twice the limit connections are dropped on accept; between the two they get a 503.
  server.maxConnections = limits.maxConnections * 2;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (sockets.size > limits.maxConnections) {
      overLimit.add(socket);
      socket.setTimeout(limits.headersTimeoutMs, () => socket.destroy());
    }
  });
  // A malformed request line or headers: answer 400 instead of a silent reset, then close.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const reason =
      status === 408 ? 'Request Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    server,
    url: `http://${host}:${address.port}`,
    port: address.port,
    get inFlight() {
      return inFlight;
    },
    get connections() {
      return sockets.size;
    },
    get draining() {
      return draining;
    },
    close(graceMs = 10_000) {
      closing ??= (async () => {
        draining = true;
        const closed = new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
        server.closeIdleConnections();
        const deadline = setTimeout(() => {
          for (const response of active) response.destroy();
          server.closeAllConnections();
        }, graceMs);
        deadline.unref();
        // Keep-alive connections that go idle after their last answer are closed as they do.
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        idle.unref();
        const answered = [...active].map(
          (response) => new Promise((resolvePromise) => response.once('close', resolvePromise)),
        );
        await closed;
        await Promise.all(answered);
        clearTimeout(deadline);
        clearInterval(idle);
      })();
      return closing;
    },
  };
}
